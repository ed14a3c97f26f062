import { CloudtikError } from '../core/errors.js';
import type { ConfigIssue, IssueSeverity } from './types.js';
import { formatPath, positionOf, type KeyPath, type YamlSource } from './yaml-source.js';

/** `file:line:col path: message`, then `  hint: ...` on its own line when there is a hint. */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}:${issue.col ?? 1}`;
  const head = issue.path === '' ? `${where}: ${issue.message}` : `${where} ${issue.path}: ${issue.message}`;
  return issue.hint === undefined ? head : `${head}\n  hint: ${issue.hint}`;
}

/**
 * A config that cannot be used. `issues` holds every error found (not only the first), and
 * `warnings` what was found alongside them; the message lists the errors one per line.
 */
export class ConfigError extends CloudtikError {
  readonly issues: ConfigIssue[];
  readonly warnings: ConfigIssue[];

  constructor(issues: ConfigIssue[], warnings: ConfigIssue[] = []) {
    const errors = sortIssues(
      issues.length > 0 ? issues : [{ severity: 'error' as const, file: '', path: '', message: 'invalid config' }],
    );
    super('ERR_CLOUDTIK_CONFIG', errors.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
    this.issues = errors;
    this.warnings = sortIssues(warnings);
  }
}

/** Issues ordered by file (first seen first), then line and column; issues without a position keep their order at the end of their file. */
export function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const fileOrder = new Map<string, number>();
  for (const issue of issues) if (!fileOrder.has(issue.file)) fileOrder.set(issue.file, fileOrder.size);
  return issues
    .map((issue, index) => ({ issue, index }))
    .sort((a, b) => {
      const byFile = fileOrder.get(a.issue.file)! - fileOrder.get(b.issue.file)!;
      if (byFile !== 0) return byFile;
      const lineA = a.issue.line ?? Infinity;
      const lineB = b.issue.line ?? Infinity;
      if (lineA !== lineB) return lineA - lineB;
      const colA = a.issue.col ?? 0;
      const colB = b.issue.col ?? 0;
      return colA !== colB ? colA - colB : a.index - b.index;
    })
    .map(({ issue }) => issue);
}

/** Whether `err` is a `ConfigError` (for callers that catch broadly). */
export function isConfigError(err: unknown): err is ConfigError {
  return err instanceof ConfigError;
}

export interface IssueDetails {
  hint?: string;
  /** Point at the key (default for unknown keys) or at its value (default). */
  at?: 'key' | 'value';
  /** Report against this file instead of the collector's own (for example a template). */
  source?: YamlSource;
}

/**
 * Collects issues for one file, looking up the line and column of each path in the parsed
 * source when the file writes that path (paths only present after merging get no position).
 */
export class IssueCollector {
  readonly issues: ConfigIssue[] = [];

  private readonly overridden = new Map<string, string>();

  constructor(
    readonly file: string,
    readonly source?: YamlSource,
  ) {}

  /**
   * Marks a path as set from outside the file (a command line option): issues about it get
   * no position in the file and a hint naming `origin` instead.
   */
  markOverridden(path: KeyPath, origin: string): void {
    this.overridden.set(formatPath(path), origin);
  }

  error(path: KeyPath, message: string, details: IssueDetails = {}): void {
    this.add('error', path, message, details);
  }

  warning(path: KeyPath, message: string, details: IssueDetails = {}): void {
    this.add('warning', path, message, details);
  }

  /** Adds issues found elsewhere (already positioned). */
  addAll(issues: readonly ConfigIssue[]): void {
    for (const issue of issues) this.issues.push(this.applyOverride(issue));
  }

  get errors(): ConfigIssue[] {
    return this.issues.filter((i) => i.severity === 'error');
  }

  get warnings(): ConfigIssue[] {
    return sortIssues(this.issues.filter((i) => i.severity === 'warning'));
  }

  /** Throws a `ConfigError` with every error so far, if there is any. */
  throwIfErrors(): void {
    if (this.errors.length > 0) throw new ConfigError(this.errors, this.warnings);
  }

  private add(severity: IssueSeverity, path: KeyPath, message: string, details: IssueDetails): void {
    const source = details.source ?? this.source;
    const file = source?.file ?? this.file;
    const pos = source ? positionOf(source, path, details.at ?? 'value') : undefined;
    const issue: ConfigIssue = { severity, file, path: formatPath(path), message };
    if (pos) {
      issue.line = pos.line;
      issue.col = pos.col;
    }
    if (details.hint !== undefined) issue.hint = details.hint;
    this.issues.push(details.source ? issue : this.applyOverride(issue));
  }

  private applyOverride(issue: ConfigIssue): ConfigIssue {
    const origin = issue.file === this.file ? this.overridden.get(issue.path) : undefined;
    if (origin === undefined) return issue;
    const copy: ConfigIssue = { ...issue };
    delete copy.line;
    delete copy.col;
    const note = `the value comes from ${origin}`;
    copy.hint = copy.hint === undefined ? note : `${copy.hint}; ${note}`;
    return copy;
  }
}
