import { opt } from '../../command-spec.js';

/**
 * CloudTik's node-side runtime steps run a shell script and a Python script, and `--reverse` swaps
 * their order. Each step here is one piece of code, so there is no order to swap.
 */
export const reverseOption = opt.flag(
  '--reverse',
  "run the step's parts in reverse order (each step is one part here)",
);

export const REVERSE_NOTE = '--reverse: this step is a single part; there is no order to reverse';
