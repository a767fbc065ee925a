import { Alert, Anchor, Paper, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { Link } from 'react-router';
import { listJobCalendar } from '../../api/jobs';
import { ErrorAlert } from '../../components/error-alert';
import { Loading } from '../admin/page-states';
import { addDays, groupByDay, RUNS_SHOWN_PER_JOB, startOfDay, type CalendarDay } from './calendar-days';

export const CALENDAR_DAYS = 7;
const time = (d: Date) => d.toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' });

/**
 * Upcoming runs of the next seven days (from the start of today, in the browser's time zone),
 * one column per day; an entry opens its job. `jobIds` narrows it to the jobs listed (a folder).
 */
export function JobCalendar({ jobIds, folderName }: { jobIds?: ReadonlySet<number>; folderName?: string }) {
  // The start moves only with the day (the query key must not change every render).
  const from = startOfDay(new Date()).getTime();
  const start = useMemo(() => new Date(from), [from]);
  const to = addDays(start, CALENDAR_DAYS).getTime();
  const query = useQuery({
    queryKey: ['jobs', 'calendar', from, to],
    queryFn: ({ signal }) => listJobCalendar(from, to, signal),
    refetchInterval: 60_000,
  });
  const days = useMemo(() => {
    const items = (query.data?.items ?? []).filter((e) => !jobIds || jobIds.has(e.jobId));
    return groupByDay(items, start, CALENDAR_DAYS);
  }, [query.data, jobIds, start]);
  if (query.isPending) return <Loading what="next runs" />;
  if (query.isError) return <ErrorAlert title="Cannot load the next runs" error={query.error} />;
  const empty = days.every((d) => d.lines.length === 0);
  return (
    <section aria-label="Next runs">
      <Stack gap="xs">
        <Text size="xs" c="dimmed">
          Planned runs of enabled jobs{folderName ? ` in ${folderName}` : ''}, in your browser’s time zone. Runs started by hand are not
          planned.
        </Text>
        {query.data.truncated && (
          <Alert color="yellow" variant="light" p="xs">
            Too many planned runs to list them all: the later days may miss some.
          </Alert>
        )}
        {empty && (
          <Text size="sm" c="dimmed">
            Nothing planned for the next {CALENDAR_DAYS} days.
          </Text>
        )}
        <div style={{ display: 'grid', gridTemplateColumns: `repeat(${CALENDAR_DAYS}, minmax(130px, 1fr))`, gap: 6, overflowX: 'auto' }}>
          {days.map((day, i) => (
            <DayColumn key={day.date.getTime()} day={day} today={i === 0} />
          ))}
        </div>
      </Stack>
    </section>
  );
}

function DayColumn({ day, today }: { day: CalendarDay; today: boolean }) {
  const title = day.date.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
  return (
    <Paper
      withBorder
      radius="sm"
      p={6}
      role="group"
      aria-label={today ? `${title} (today)` : title}
      data-testid={`calendar-day-${isoDay(day.date)}`}
      style={{ minHeight: 160, borderColor: today ? 'var(--mantine-color-blue-5)' : undefined }}
    >
      <Text size="sm" fw={600} c={today ? 'blue.7' : undefined}>
        {title}
      </Text>
      <Text size="xs" c="blue.7" mb={4} style={{ visibility: today ? 'visible' : 'hidden' }}>
        today
      </Text>
      <Stack gap={6}>
        {day.lines.length === 0 && (
          <Text size="xs" c="dimmed">
            —
          </Text>
        )}
        {day.lines.map((l) => (
          <Anchor
            key={l.jobId}
            component={Link}
            to={`/jobs/${l.jobId}`}
            underline="hover"
            title={`${l.name}: ${l.times.map(time).join(', ')}`}
            display="block"
          >
            <Text span size="xs" fw={500} display="block" style={{ wordBreak: 'break-word' }}>
              {l.name}
            </Text>
            <Text span size="xs" c="dimmed" display="block">
              {l.times.length > RUNS_SHOWN_PER_JOB
                ? `${l.times.length} runs, ${time(l.times[0]!)} – ${time(l.times[l.times.length - 1]!)}`
                : l.times.map(time).join(', ')}
            </Text>
          </Anchor>
        ))}
      </Stack>
    </Paper>
  );
}

/** yyyy-mm-dd of a local date (test ids). */
function isoDay(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
