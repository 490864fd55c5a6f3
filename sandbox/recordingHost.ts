import { HttpFunctionOptions, TimerFunctionOptions } from '@azure/functions';
import { FunctionHost } from '../src/functionList';

/** What a Functions host was asked to register, by function name, in registration order. */
export interface RecordingHost extends FunctionHost {
  readonly httpFunctions: Map<string, HttpFunctionOptions>;
  readonly timerFunctions: Map<string, TimerFunctionOptions>;
}

/** A {@link FunctionHost} that keeps what is registered with it, so the sandbox serves exactly that. */
export function createRecordingHost(): RecordingHost {
  const httpFunctions = new Map<string, HttpFunctionOptions>();
  const timerFunctions = new Map<string, TimerFunctionOptions>();
  const claim = (name: string): void => {
    // The Functions host refuses a second function of one name; so does this one.
    if (httpFunctions.has(name) || timerFunctions.has(name)) throw new Error(`function '${name}' registered twice`);
  };
  return {
    httpFunctions,
    timerFunctions,
    http(name, options) {
      claim(name);
      httpFunctions.set(name, options);
    },
    timer(name, options) {
      claim(name);
      timerFunctions.set(name, options);
    },
  };
}
