/**
 * What tests read from the runtimes' own web endpoints on a head: JSON documents, live DataNodes
 * (the NameNode's JMX servlet) and active NodeManagers (the ResourceManager's REST metrics).
 */

/** A JSON document from a web endpoint, or undefined while it does not answer. */
export async function getJson(url: string): Promise<Record<string, unknown> | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return res.ok ? ((await res.json()) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** DataNodes the NameNode on `headIp` counts live (0 while it does not answer). */
export async function liveDataNodes(headIp: string): Promise<number> {
  const doc = await getJson(`http://${headIp}:9870/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState`);
  const beans = (doc?.beans ?? []) as { NumLiveDataNodes?: number }[];
  return beans[0]?.NumLiveDataNodes ?? 0;
}

/** NodeManagers the ResourceManager on `headIp` counts active (0 while it does not answer). */
export async function activeNodeManagers(headIp: string): Promise<number> {
  const doc = await getJson(`http://${headIp}:8088/ws/v1/cluster/metrics`);
  return (doc?.clusterMetrics as { activeNodes?: number } | undefined)?.activeNodes ?? 0;
}
