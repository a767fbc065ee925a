import { Button, Group, Popover, Stack, Text, UnstyledButton } from '@mantine/core';
import { shortMessage } from './parameter-model';
import classes from './configuration-editor.module.css';
import { plural } from '../../lib/format';

interface SaveBarProps {
  changed: number;
  errors: ReadonlyMap<string, string>;
  /** Shows an invalid parameter (searches for its key). */
  onShow: (key: string) => void;
  onDiscard: () => void;
  onSave: () => void;
}

/** Below a parameter editor: unsaved changes, invalid values, discard and save. */
export function SaveBar({ changed, errors, onShow, onDiscard, onSave }: SaveBarProps) {
  const dirty = changed > 0;
  return (
    <div className={`${classes.saveBar} ${dirty ? '' : classes.saveBarClean}`} data-testid="save-bar">
      <Group gap="sm">
        {dirty ? (
          <Text size="sm" fw={500}>
            {plural(changed, 'unsaved change')}
          </Text>
        ) : (
          <Text size="sm" c="dimmed">
            No unsaved changes
          </Text>
        )}
        {errors.size > 0 && <InvalidValues errors={errors} onShow={onShow} />}
      </Group>
      <Group gap="xs">
        <Button size="xs" variant="default" disabled={!dirty} onClick={onDiscard}>
          Discard changes
        </Button>
        <Button
          size="xs"
          disabled={!dirty || errors.size > 0}
          onClick={onSave}
          title={errors.size > 0 ? 'Correct the invalid values first' : undefined}
        >
          Save…
        </Button>
      </Group>
    </div>
  );
}

/** "2 invalid values" with a list; choosing one searches for it. */
function InvalidValues({ errors, onShow }: { errors: ReadonlyMap<string, string>; onShow: (key: string) => void }) {
  return (
    <Popover position="top-start" withArrow shadow="md" width={420}>
      <Popover.Target>
        <Button size="compact-sm" variant="light" color="red" data-testid="invalid-count">
          {plural(errors.size, 'invalid value')}
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap={6}>
          {[...errors].slice(0, 20).map(([key, message]) => (
            <UnstyledButton key={key} onClick={() => onShow(key)}>
              <Text size="xs" ff="monospace" c="teal.8">
                {key}
              </Text>
              <Text size="xs">{shortMessage(key, message)}</Text>
            </UnstyledButton>
          ))}
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
