import { JOB_OPTION_DEFAULTS, type JobOptions } from '@openums/protocol';

/** Options with the defaults filled in (JOB_OPTION_DEFAULTS). */
export const withDefaults = (o: JobOptions | undefined): Required<JobOptions> => ({ ...JOB_OPTION_DEFAULTS, ...(o ?? {}) });
