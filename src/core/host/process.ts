/** The image builders' name for the one process adapter, which lives in `src/core/process.ts`. */
export { findTool, runTool, type ToolOptions, type ToolResult } from '../../core/process.js';
