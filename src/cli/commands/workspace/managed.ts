import { opt } from '../../command-spec.js';

/**
 * CloudTik's workspaces on clouds can own a storage bucket and a database. No provider here makes
 * either, so the options about them are accepted and say what they come to.
 */
export const MANAGED_OPTIONS = [
  opt.flag('--delete-managed-storage', "also delete the workspace's managed cloud storage (providers here make none)"),
  opt.flag('--no-delete-managed-storage', "keep the workspace's managed cloud storage"),
  opt.flag('--delete-managed-database', "also delete the workspace's managed database (providers here make none)"),
  opt.flag('--no-delete-managed-database', "keep the workspace's managed database"),
] as const;

/** One line for each managed-resource option given, saying the provider has no such resource. */
export function managedNotes(
  o: { deleteManagedStorage?: boolean | undefined; deleteManagedDatabase?: boolean | undefined },
  providerType: string,
): string[] {
  const notes: string[] = [];
  if (o.deleteManagedStorage !== undefined) {
    notes.push(
      `--${o.deleteManagedStorage ? '' : 'no-'}delete-managed-storage: ${providerType} workspaces have no managed cloud storage`,
    );
  }
  if (o.deleteManagedDatabase !== undefined) {
    notes.push(
      `--${o.deleteManagedDatabase ? '' : 'no-'}delete-managed-database: ${providerType} workspaces have no managed database`,
    );
  }
  return notes;
}
