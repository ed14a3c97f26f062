/**
 * Jobs: the submit form (a file, its arguments and resources), the jobs table with cancel buttons,
 * and one job's output as it comes (its logs stream, closed when the job ends or another is shown).
 */
import type { JobRecord } from '../../core/jobs/model.js';
import { formatDuration } from '../../core/scaler/format.js';
import { MAX_JOB_FILE_BYTES, type ClusterRef, type LogChunk, type SubmitJobBody } from '../contract.js';
import type { Act } from './actions.js';
import { routePath, streamError, type Api } from './api.js';
import { fill, formatTime, h, pill } from './dom.js';

export class JobsPanel {
  readonly element: HTMLElement;
  private readonly table = h('div', {});
  private readonly logTitle = h('h3', {}, 'Output');
  private readonly log = h('pre', { class: 'log', 'aria-label': 'Job output' });
  private logStream: EventSource | undefined;
  private shownJob: string | undefined;
  private jobs: JobRecord[] = [];
  /** A file just submitted: its job's output is shown as soon as the job is listed. */
  private awaited: { file: string; known: Set<string> } | undefined;

  constructor(
    private readonly api: Api,
    private readonly ref: ClusterRef,
    private readonly act: Act,
  ) {
    this.element = h(
      'div',
      { class: 'stack' },
      this.submitForm(),
      this.table,
      h('div', { class: 'log-box', hidden: true }, this.logTitle, this.log),
    );
  }

  update(jobs: JobRecord[]): void {
    this.jobs = jobs;
    const submitted = this.awaited && jobs.find((j) => j.file === this.awaited?.file && !this.awaited.known.has(j.id));
    if (submitted) {
      this.awaited = undefined;
      this.follow(submitted.id);
      return;
    }
    if (jobs.length === 0) {
      fill(this.table, h('p', { class: 'muted' }, 'No job yet.'));
      return;
    }
    const head = ['Job', 'File', 'State', 'Submitted', 'Ran', 'Exit', ''].map((t) => h('th', {}, t));
    fill(
      this.table,
      h(
        'table',
        { class: 'jobs' },
        h('thead', {}, h('tr', {}, ...head)),
        h('tbody', {}, ...jobs.map((j) => this.row(j))),
      ),
    );
    const shown = jobs.find((j) => j.id === this.shownJob);
    if (shown) this.logTitle.replaceChildren(`Output of ${shown.id} `, pill(shown.state));
  }

  /** Stop following a job's output (the view is left). */
  close(): void {
    this.logStream?.close();
    this.logStream = undefined;
  }

  private row(j: JobRecord): HTMLTableRowElement {
    const ran = j.startedAt !== undefined ? formatDuration((j.endedAt ?? Date.now()) - j.startedAt) : '';
    const live = j.state === 'queued' || j.state === 'running';
    return h(
      'tr',
      { 'data-job': j.id, class: j.id === this.shownJob ? 'selected' : undefined },
      h('td', { class: 'mono' }, j.id),
      h('td', {}, [j.file, ...j.args].join(' ')),
      h('td', { title: j.reason ?? '' }, pill(j.state)),
      h('td', { class: 'small' }, formatTime(j.submittedAt)),
      h('td', { class: 'small' }, ran),
      h('td', {}, j.exitCode ?? ''),
      h(
        'td',
        { class: 'buttons' },
        h('button', { type: 'button', class: 'small', onclick: () => this.follow(j.id) }, 'Logs'),
        live &&
          h(
            'button',
            {
              type: 'button',
              class: 'small danger-text',
              onclick: () =>
                void this.act({
                  question: `Cancel job ${j.id} (${j.file}, ${j.state})?`,
                  verb: 'Cancel job',
                  danger: true,
                  path: routePath('cancelJob', { ...this.ref, jobId: j.id }),
                }),
            },
            'Cancel',
          ),
      ),
    );
  }

  /** Show one job's output from its start, then as it comes until the job ends. */
  follow(jobId: string): void {
    this.close();
    this.shownJob = jobId;
    this.update(this.jobs);
    (this.log.parentElement as HTMLElement).hidden = false;
    this.logTitle.textContent = `Output of ${jobId}`;
    this.log.replaceChildren();
    const stream = this.api.stream(routePath('jobLogs', { ...this.ref, jobId }));
    this.logStream = stream;
    const write = (cls: string) => (e: MessageEvent<string>) => {
      const atEnd = this.log.scrollTop + this.log.clientHeight >= this.log.scrollHeight - 4;
      this.log.append(h('span', { class: cls }, (JSON.parse(e.data) as LogChunk).text));
      if (atEnd) this.log.scrollTop = this.log.scrollHeight;
    };
    stream.addEventListener('out', write('out'));
    stream.addEventListener('err', write('err'));
    // The stream ends with the job: without closing it the browser would connect again and replay it.
    stream.addEventListener('end', (e: MessageEvent<string>) => {
      stream.close();
      const job = JSON.parse(e.data) as JobRecord;
      this.logTitle.replaceChildren(`Output of ${job.id} `, pill(job.state));
      this.log.append(h('span', { class: 'end' }, `\n[${job.state}${job.reason ? `: ${job.reason}` : ''}]\n`));
    });
    // The server's own `error` event carries why it stopped; the browser's (no data) means the
    // connection dropped, and it connects again by itself (the output then starts over).
    stream.addEventListener('error', (e: Event) => {
      if (e instanceof MessageEvent && typeof e.data === 'string') {
        stream.close();
        this.log.append(h('span', { class: 'err' }, `\n[${streamError(e.data)}]\n`));
      } else if (stream.readyState === EventSource.CONNECTING) {
        this.log.replaceChildren();
      }
    });
  }

  private submitForm(): HTMLFormElement {
    const file = h('input', { type: 'file', name: 'file', required: true, 'aria-label': 'Job file' });
    const args = h('input', { type: 'text', name: 'args', placeholder: 'arg1 "arg 2"', 'aria-label': 'Arguments' });
    const resources = h('input', {
      type: 'text',
      name: 'resources',
      placeholder: 'cpu=1,memory=512m',
      'aria-label': 'Resources',
      pattern: '^\\s*([a-zA-Z]+\\s*=\\s*[^,\\s]+\\s*(,\\s*|$))*$',
    });
    const form = h(
      'form',
      { class: 'submit-job' },
      h('label', {}, 'File ', file),
      h('label', {}, 'Arguments ', args),
      h('label', {}, 'Resources ', resources),
      h('button', { type: 'submit', class: 'primary' }, 'Submit job'),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const chosen = file.files?.[0];
      if (!chosen) return;
      void this.submit(chosen, splitArgs(args.value), resources.value.trim()).then((ok) => {
        if (ok) form.reset();
      });
    });
    return form;
  }

  /** Confirm and submit; true once the dashboard accepted the job. */
  private async submit(file: File, args: string[], resources: string): Promise<boolean> {
    const body: SubmitJobBody = { fileName: file.name, contentBase64: '', args };
    if (resources) body.resources = resources;
    const asking = resources ? `, asking for ${resources}` : '';
    const question = `Submit ${[file.name, ...args].join(' ')} to cluster ${this.ref.cluster}${asking}?`;
    const known = new Set(this.jobs.map((j) => j.id));
    const accepted = await this.act({
      question,
      verb: 'Submit',
      title: `submit ${file.name}`,
      path: routePath('jobs', this.ref),
      prepare: async () => {
        if (file.size > MAX_JOB_FILE_BYTES) throw new Error(`${file.name} is over 16 MiB, more than a job file may be`);
        const content = await toBase64(file);
        // Watched for from now: the stream may list the job before the POST's answer arrives.
        this.awaited = { file: file.name, known };
        return { ...body, contentBase64: content };
      },
    });
    if (!accepted) this.awaited = undefined;
    return accepted;
  }
}

/** The contract's limit on a job file. */

/** Split arguments as a shell would for the simple cases: spaces, and '…' or "…" quoting. */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

async function toBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
