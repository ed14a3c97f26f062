/** The image builders' name for the one process adapter, which lives in `src/core/process.ts`. */
export {
  findTool,
  runTool,
  streamTool,
  toolError,
  type ToolOptions,
  type ToolResult,
  type ToolStream,
} from '../../core/process.js';
