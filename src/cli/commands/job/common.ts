import type { ArgumentSpec } from '../../command-spec.js';

export const JOB_ID_ARG: ArgumentSpec<'<job_id>'> = {
  name: '<job_id>',
  description: 'the job, as submit and job list name it (job-N)',
};
