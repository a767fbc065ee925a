import { Button, Group, Modal, Stack, Stepper, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { createJob, updateJob, type Job, type JobBody } from '../../api/jobs';
import { ErrorAlert } from '../../components/error-alert';
import { notifySuccess } from '../../components/notify';
import {
  firstInvalidStep,
  JOB_STEPS,
  jobBodyOf,
  jobDraftOf,
  STEP_LABELS,
  stepOfError,
  stepProblems,
  type JobDraft,
  type JobStep,
} from './job-draft';
import { JobFacts } from './job-facts';
import { CommandStep, OptionsStep, TargetsStep } from './job-wizard-steps';
import { isFieldError, scheduleDraftOf, scheduleOf, ScheduleEditor, type ScheduleDraft } from './schedule';

/** Fields a step shows itself: a server error naming one of them is not repeated on the summary. */
const SHOWN_FIELDS = [
  'body.name',
  'body.command',
  'body.text',
  'body.comment',
  'body.folderId',
  'body.targets',
  'body.schedule',
  'body.host',
  ...['maxThreads', 'delaySeconds', 'timeoutSeconds', 'expiryMinutes'].map((k) => `body.options.${k}`),
];

/**
 * Create or change a scheduled job in steps (the reference's "New Scheduled Job" wizard):
 * Command → Targets → Schedule → Options → Summary. Next checks the step; a server error that
 * names a field opens that field's step and shows it there. An edit can be saved from any step.
 */
export function JobWizard({
  job,
  folderId = null,
  onClose,
  onSaved,
}: {
  job: Job | null;
  /** Where a new job is filed (the folder selected in the tree). */
  folderId?: number | null;
  onClose: () => void;
  onSaved: (job: Job) => void;
}) {
  const [draft, setDraft] = useState<JobDraft>(() => jobDraftOf(job, folderId));
  const [initial] = useState(() => (job ? { schedule: scheduleDraftOf(job.schedule), host: job.host ?? null } : null));
  const [schedule, setSchedule] = useState<ScheduleDraft>(() => initial?.schedule ?? scheduleDraftOf());
  const [active, setActive] = useState<JobStep>('command');
  // Steps whose problems are shown: those Next, a step click or Save went past.
  const [checked, setChecked] = useState<ReadonlySet<JobStep>>(() => new Set());
  const save = useMutation({
    mutationFn: () => {
      const body = jobBodyOf(draft, schedule, initial);
      return job ? updateJob(job.id, body) : createJob({ ...body, schedule: scheduleOf(schedule) } as JobBody);
    },
    onSuccess: (saved) => {
      notifySuccess(job ? 'Job saved' : 'Job created');
      onSaved(saved);
      onClose();
    },
    onError: (error) => setActive(stepOfError(error)),
  });
  const ctx = { initial: initial?.schedule ?? null };
  const index = JOB_STEPS.indexOf(active);
  const check = (steps: readonly JobStep[]) => setChecked((prev) => new Set([...prev, ...steps]));
  /** Moves to `step`; going forward first checks the steps on the way (and stops at the first with a problem). */
  const goTo = (step: JobStep) => {
    if (JOB_STEPS.indexOf(step) <= index) return setActive(step);
    const passed = JOB_STEPS.slice(0, JOB_STEPS.indexOf(step));
    check(passed);
    setActive(firstInvalidStep(draft, schedule, step, ctx) ?? step);
  };
  const submit = () => {
    check(JOB_STEPS);
    const invalid = firstInvalidStep(draft, schedule, 'summary', ctx);
    if (invalid) setActive(invalid);
    else save.mutate();
  };
  const problems = checked.has(active) ? stepProblems(active, draft, schedule, ctx) : {};
  const err = save.error;
  const stepProps = { draft, onChange: setDraft, problems, serverError: err };
  const isLast = active === 'summary';
  return (
    <Modal opened onClose={onClose} title={job ? `Edit “${job.name}”` : 'New job'} size="xl" centered>
      <form
        noValidate
        aria-label={job ? 'Edit job' : 'New job'}
        onSubmit={(e) => {
          e.preventDefault();
          if (isLast || job) submit();
          else goTo(JOB_STEPS[index + 1]!);
        }}
      >
        <Stack>
          <Stepper active={index} onStepClick={(i) => goTo(JOB_STEPS[i]!)} size="xs">
            {JOB_STEPS.map((s) => (
              <Stepper.Step
                key={s}
                label={STEP_LABELS[s]}
                aria-label={`Step ${STEP_LABELS[s]}`}
                aria-current={s === active ? 'step' : undefined}
                color={
                  (checked.has(s) && Object.keys(stepProblems(s, draft, schedule, ctx)).length) ||
                  (err && stepOfError(err) === s && s !== 'summary')
                    ? 'red'
                    : undefined
                }
              />
            ))}
          </Stepper>
          <div style={{ minHeight: 320 }}>
            {active === 'command' && <CommandStep {...stepProps} />}
            {active === 'targets' && <TargetsStep {...stepProps} />}
            {active === 'schedule' && (
              <Stack gap="xs">
                <ScheduleEditor value={schedule} onChange={setSchedule} problems={problems} serverError={err} />
              </Stack>
            )}
            {active === 'options' && <OptionsStep {...stepProps} />}
            {active === 'summary' && (
              <Stack gap="xs">
                <Text size="sm" c="dimmed">
                  {job ? 'Save to change the job as shown.' : 'Create the job as shown; a step can still be changed.'}
                </Text>
                <JobFacts
                  label="Summary"
                  job={{
                    ...draft,
                    text: draft.command === 'send-message' ? draft.text : null,
                    schedule: scheduleOf(schedule),
                    options: numberOptions(draft),
                  }}
                  onChange={setActive}
                />
              </Stack>
            )}
          </div>
          {err && !isFieldError(err, SHOWN_FIELDS) && <ErrorAlert title="Could not save" error={err} />}
          <Group justify="space-between">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Group gap="xs">
              <Button variant="default" disabled={index === 0} onClick={() => setActive(JOB_STEPS[index - 1]!)}>
                Back
              </Button>
              {!isLast && (
                <Button variant={job ? 'default' : 'filled'} onClick={() => goTo(JOB_STEPS[index + 1]!)}>
                  Next
                </Button>
              )}
              {(isLast || job) && (
                <Button type="submit" loading={save.isPending}>
                  {job ? 'Save' : 'Create'}
                </Button>
              )}
            </Group>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function numberOptions(d: JobDraft) {
  const o = d.options;
  return {
    maxThreads: Number(o.maxThreads),
    delaySeconds: Number(o.delaySeconds),
    timeoutSeconds: Number(o.timeoutSeconds),
    expiryMinutes: Number(o.expiryMinutes),
    retryNextBoot: Boolean(o.retryNextBoot),
    logResults: Boolean(o.logResults),
  };
}
