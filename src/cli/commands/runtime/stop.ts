import { runtimeAction } from './start.js';

export const command = runtimeAction('stop');
