/**
 * The entry point of the deployed package (`main`): the Functions host loads this module once per worker process.
 * Nothing else imports it; the sandbox and tests call `startApp` with their own host.
 */
import { app } from '@azure/functions';
import { startApp } from './app';

startApp(app, process.env);
