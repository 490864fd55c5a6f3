import { Config } from './config';
import { VendingDependencies } from './vending/dependencies';

/** Everything a function needs, built once per process by `composition.ts` and passed to every handler. */
export interface Services {
  config: Config;
  vending: VendingDependencies;
}
