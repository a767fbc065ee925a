import type { AccessNodeRef, ObjectRight } from '@openums/protocol';
import { Button, Tooltip, type ButtonProps } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { AccessDialog } from './access-dialog';
import type { MyRightsCheck } from './use-my-rights';

interface GatedButtonProps extends ButtonProps {
  /** The rights of the signed-in administrator on the object the button acts on. */
  rights: MyRightsCheck;
  /** The right the action needs. */
  right: ObjectRight;
  onClick: () => void;
  children: ReactNode;
  'aria-label'?: string;
  title?: string;
}

/**
 * A button for an action that needs an object right: without it the button is disabled and its
 * tooltip names the right. It stays focusable and hoverable (aria-disabled, not disabled), so the
 * tooltip can be read.
 */
export function GatedButton({ rights, right, onClick, disabled, ...props }: GatedButtonProps) {
  const missing = rights.missing(right);
  return <TooltipButton blocked={!rights.can(right)} reason={missing} onClick={onClick} disabled={disabled} {...props} />;
}

interface TooltipButtonProps extends ButtonProps {
  /** Not allowed: looks disabled, does nothing. */
  blocked: boolean;
  /** Why, as the tooltip (none while the rights are still loading). */
  reason: string | undefined;
  onClick: () => void;
  children: ReactNode;
  'aria-label'?: string;
  title?: string;
}

export function TooltipButton({ blocked, reason, onClick, disabled, title, ...props }: TooltipButtonProps) {
  const button = (
    <Button
      {...props}
      title={blocked ? undefined : title}
      disabled={disabled}
      data-disabled={blocked || undefined}
      aria-disabled={blocked || undefined}
      onClick={(event) => {
        if (blocked) event.preventDefault();
        else onClick();
      }}
    />
  );
  if (!blocked || !reason || disabled) return button;
  return (
    <Tooltip label={reason} withArrow multiline maw={260}>
      {button}
    </Tooltip>
  );
}

/** "Access control" that opens the dialog; needs Read or Access control on the object to see its list. */
export function AccessControlButton({
  object,
  name,
  rights,
  size = 'compact-xs',
  label = 'Access control',
}: {
  object: AccessNodeRef | null;
  name: string;
  rights: MyRightsCheck;
  size?: ButtonProps['size'];
  label?: string;
}) {
  const [open, setOpen] = useState(false);
  const allowed = rights.canAny(['read', 'accessControl']);
  return (
    <>
      <TooltipButton
        size={size}
        variant="default"
        disabled={object === null}
        blocked={!allowed}
        reason={rights.loading ? undefined : 'You need the Read or Access control right to see who may do what here'}
        onClick={() => setOpen(true)}
        aria-label={object ? `Access control of ${name}` : 'Access control'}
        title={object === null ? 'Select a folder first' : 'Who may do what here'}
      >
        {label}
      </TooltipButton>
      {open && object && <AccessDialog object={object} name={name} onClose={() => setOpen(false)} />}
    </>
  );
}
