/**
 * The ResourceManager's REST API, for jobs: the applications that carry a tag, and killing them.
 * A Spark job's driver runs on the head with its application master inside it, so killing the
 * driver's processes alone leaves YARN to notice only when the master's liveness times out
 * (minutes): a cancelled job kills its applications through YARN first.
 */
import { RESOURCEMANAGER_HTTP_PORT } from '../node/hadoop.js';

const ASK_MS = 10_000;
const LIVE_STATES = 'NEW,NEW_SAVING,SUBMITTED,ACCEPTED,RUNNING';

export interface YarnApp {
  id: string;
  name: string;
  state: string;
}

function base(rmHost: string): string {
  return `http://${rmHost}:${RESOURCEMANAGER_HTTP_PORT}/ws/v1/cluster`;
}

/** The applications carrying `tag` (YARN keeps tags lower case), live ones only unless `all`. */
export async function yarnAppsTagged(rmHost: string, tag: string, all = false): Promise<YarnApp[]> {
  const states = all ? '' : `&states=${LIVE_STATES}`;
  const url = `${base(rmHost)}/apps?applicationTags=${encodeURIComponent(tag.toLowerCase())}${states}`;
  const r = await fetch(url, { signal: AbortSignal.timeout(ASK_MS), headers: { accept: 'application/json' } });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  const body = (await r.json()) as { apps?: { app?: YarnApp[] } | null };
  return (body.apps?.app ?? []).map((a) => ({ id: a.id, name: a.name, state: a.state }));
}

/** Kill the live applications tagged `tag`, as `user`; resolves with their ids. */
export async function killYarnAppsTagged(rmHost: string, tag: string, user: string): Promise<string[]> {
  const apps = await yarnAppsTagged(rmHost, tag);
  for (const app of apps) {
    const url = `${base(rmHost)}/apps/${app.id}/state?user.name=${encodeURIComponent(user)}`;
    const r = await fetch(url, {
      method: 'PUT',
      signal: AbortSignal.timeout(ASK_MS),
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ state: 'KILLED' }),
    });
    await r.body?.cancel();
    if (!r.ok) throw new Error(`killing ${app.id} through ${url}: HTTP ${r.status}`);
  }
  return apps.map((a) => a.id);
}
