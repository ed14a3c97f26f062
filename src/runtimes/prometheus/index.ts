import type { RuntimeDefinition } from '../runtime.js';

export const prometheus: RuntimeDefinition = {
  name: 'prometheus',
  description: "Prometheus on the head scraping every node's exporter; targets follow workers as they come and go",
  image: 'cloudtik/spark-runtime',
  defaults: { scrape_interval: '10s' },
  options: {
    scrape_interval: {
      type: 'string',
      pattern: '^[0-9]+(ms|s|m|h)$',
      description: 'How often targets are scraped (default 10s).',
    },
  },
  configures: 'head',
  services: [
    { name: 'prometheus', on: 'head', port: 9090 },
    { name: 'prometheus-targets', on: 'head' },
    { name: 'node-exporter', on: 'all', port: 9100 },
  ],
  // The images carry Debian's Prometheus, built without the React UI: its pages live under /classic/
  // (and /targets answers 404 there).
  endpoints: [{ name: 'Prometheus web UI', port: 9090, path: '/classic/targets', scheme: 'http' }],
};
