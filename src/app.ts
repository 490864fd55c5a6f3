import { CompositionOverrides, composeServices } from './composition';
import { Config, ConfigError, loadConfig } from './config';
import { FunctionDefinition, functionList, FunctionHost, registerFunctions } from './functionList';
import { Services } from './services';

/** Where start-up problems are told: `console` in the host (the worker forwards it to the host's log). */
export interface StartupLog {
  error(message: string): void;
}

/** Options of {@link startApp}; production passes none. */
export interface StartAppOptions {
  log?: StartupLog;
  overrides?: CompositionOverrides;
  functions?: readonly FunctionDefinition[];
}

/** A started app: its config and services, for the sandbox and tests. */
export interface StartedApp {
  config: Config;
  services: Services;
}

/**
 * Starts the app, once per process, in this order: load and validate the settings, compose the services, register
 * every function. A bad setting is logged by name (never by value) and the start is refused with a
 * {@link ConfigError}: no function is registered, so nothing serves with a broken or unsafe configuration.
 */
export function startApp(
  host: FunctionHost,
  settings: Record<string, string | undefined>,
  options: StartAppOptions = {},
): StartedApp {
  const log = options.log ?? console;
  let config: Config;
  try {
    config = loadConfig(settings);
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) log.error(`Invalid app setting: ${problem}`);
      log.error(`Refusing to start: fix ${error.settings.join(', ')}.`);
    }
    throw error;
  }
  const services = composeServices(config, options.overrides);
  registerFunctions(host, services, options.functions ?? functionList);
  return { config, services };
}
