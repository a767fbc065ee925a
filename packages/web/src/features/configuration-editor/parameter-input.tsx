import type { CatalogueParameter, ListParameter } from '@openums/protocol';
import { ActionIcon, Button, Group, NumberInput, PasswordInput, Select, Stack, Switch, Text, TextInput, Tooltip } from '@mantine/core';
import { SECRET_MASK } from './parameter-model';

interface ParameterInputProps {
  param: CatalogueParameter;
  /** The concrete key (instances: `sessions.rdp[2].server`), for labels. */
  settingKey: string;
  value: unknown;
  error?: string;
  readOnly?: boolean;
  onChange: (value: unknown) => void;
}

/** The input matching a parameter's type; every value is validated by the caller against the catalogue. */
export function ParameterInput({ param, settingKey, value, error, readOnly, onChange }: ParameterInputProps) {
  const label = `Value of ${settingKey}`;
  switch (param.type) {
    case 'bool':
      return (
        <Stack gap={2}>
          <Switch
            aria-label={label}
            checked={value === true}
            label={value === true ? 'On' : 'Off'}
            disabled={readOnly}
            onChange={(e) => onChange(e.currentTarget.checked)}
          />
          {error && <InlineError message={error} />}
        </Stack>
      );
    case 'integer':
      return (
        <NumberInput
          aria-label={label}
          size="xs"
          value={typeof value === 'number' || typeof value === 'string' ? value : ''}
          min={param.min}
          max={param.max}
          allowDecimal={false}
          clampBehavior="none"
          rightSection={
            param.unit ? (
              <Text size="xs" c="dimmed">
                {param.unit}
              </Text>
            ) : undefined
          }
          rightSectionWidth={param.unit ? Math.min(90, 14 + param.unit.length * 7) : undefined}
          rightSectionPointerEvents="none"
          hideControls={Boolean(param.unit)}
          readOnly={readOnly}
          error={error}
          // A number, or the text typed so far ('' or '-') which validation then reports.
          onChange={(v) => onChange(v)}
        />
      );
    case 'enum':
      return (
        <Select
          aria-label={label}
          size="xs"
          data={param.values as string[]}
          value={typeof value === 'string' ? value : null}
          searchable={param.values.length > 12}
          allowDeselect={false}
          readOnly={readOnly}
          error={error}
          maxDropdownHeight={260}
          comboboxProps={{ withinPortal: true }}
          onChange={(v) => v !== null && onChange(v)}
        />
      );
    case 'secret': {
      const stored = value === SECRET_MASK;
      return (
        <PasswordInput
          aria-label={label}
          size="xs"
          value={stored ? '' : typeof value === 'string' ? value : ''}
          placeholder={stored ? 'Stored secret (unchanged) — type to replace' : 'Empty'}
          readOnly={readOnly}
          error={error}
          autoComplete="new-password"
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
    }
    case 'list':
      return (
        <ListEditor
          param={param}
          settingKey={settingKey}
          value={Array.isArray(value) ? (value as unknown[]) : []}
          error={error}
          readOnly={readOnly}
          onChange={onChange}
        />
      );
    case 'string':
    default:
      return (
        <TextInput
          aria-label={label}
          size="xs"
          value={typeof value === 'string' ? value : ''}
          placeholder={param.default ? undefined : 'Empty'}
          readOnly={readOnly}
          error={error}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
  }
}

function InlineError({ message }: { message: string }) {
  return (
    <Text size="xs" c="red" data-testid="param-error">
      {message}
    </Text>
  );
}

/** An ordered list of strings: edit, move up, remove, add (up to the parameter's maximum). */
function ListEditor({
  param,
  settingKey,
  value,
  error,
  readOnly,
  onChange,
}: {
  param: ListParameter;
  settingKey: string;
  value: unknown[];
  error?: string;
  readOnly?: boolean;
  onChange: (value: unknown) => void;
}) {
  const set = (i: number, item: string) => onChange(value.map((v, j) => (j === i ? item : v)));
  const remove = (i: number) => onChange(value.filter((_, j) => j !== i));
  const up = (i: number) => {
    if (i === 0) return;
    const next = value.slice();
    [next[i - 1], next[i]] = [next[i], next[i - 1]];
    onChange(next);
  };
  const full = value.length >= param.maxItems;
  return (
    <Stack gap={4} role="group" aria-label={`Value of ${settingKey}`}>
      {value.length === 0 && (
        <Text size="xs" c="dimmed">
          Empty list
        </Text>
      )}
      {value.map((item, i) => (
        <Group key={i} gap={4} wrap="nowrap">
          <TextInput
            size="xs"
            style={{ flex: 1 }}
            aria-label={`Entry ${i + 1} of ${settingKey}`}
            value={typeof item === 'string' ? item : String(item)}
            readOnly={readOnly}
            onChange={(e) => set(i, e.currentTarget.value)}
          />
          {!readOnly && (
            <>
              <Tooltip label="Move up" withArrow>
                <ActionIcon
                  variant="subtle"
                  color="gray"
                  size="sm"
                  disabled={i === 0}
                  onClick={() => up(i)}
                  aria-label={`Move entry ${i + 1} up`}
                >
                  <svg
                    width="12"
                    height="12"
                    viewBox="0 0 12 12"
                    aria-hidden
                    fill="none"
                    stroke="currentColor"
                    strokeWidth="1.6"
                    strokeLinecap="round"
                    strokeLinejoin="round"
                  >
                    <path d="M6 10V2M2.5 5.5L6 2l3.5 3.5" />
                  </svg>
                </ActionIcon>
              </Tooltip>
              <Tooltip label="Remove" withArrow>
                <ActionIcon variant="subtle" color="red" size="sm" onClick={() => remove(i)} aria-label={`Remove entry ${i + 1}`}>
                  <svg
                    width="12"
                    height="12"
                    viewBox="0 0 12 12"
                    aria-hidden
                    fill="none"
                    stroke="currentColor"
                    strokeWidth="1.6"
                    strokeLinecap="round"
                  >
                    <path d="M3 3l6 6M9 3l-6 6" />
                  </svg>
                </ActionIcon>
              </Tooltip>
            </>
          )}
        </Group>
      ))}
      {!readOnly && (
        <Group gap={6}>
          <Button size="compact-xs" variant="light" disabled={full} onClick={() => onChange([...value, ''])}>
            Add entry
          </Button>
          <Text size="xs" c="dimmed">
            {value.length} of at most {param.maxItems}
          </Text>
        </Group>
      )}
      {error && <InlineError message={error} />}
    </Stack>
  );
}
