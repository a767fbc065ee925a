import type { CatalogueParameter } from '@openums/protocol';
import { memo } from 'react';
import { Link } from 'react-router';
import classes from './configuration-editor.module.css';
import { ParameterInput } from './parameter-input';
import { formatDefault, shortMessage, type ParamRow, type Settings } from './parameter-model';
import { WORDING, type ParamNote, type SettingsOwner } from './wording';

/** What every list of parameter rows needs: the settings, their state, and the editor's callbacks. */
export interface RowProps {
  draft: Settings;
  saved: Settings;
  errors: ReadonlyMap<string, string>;
  readOnly: boolean;
  /** Sets an activated parameter's value. */
  onSet: (key: string, value: unknown) => void;
  /** Activates (with the default or the last value) or deactivates a parameter. */
  onActivate: (key: string, param: CatalogueParameter, active: boolean) => void;
  owner: SettingsOwner;
  notes: ReadonlyMap<string, ParamNote>;
}

/** Parameter rows in a bordered list. */
export function RowList({ rows, draft, saved, errors, readOnly, onSet, onActivate, owner, notes }: RowProps & { rows: ParamRow[] }) {
  return (
    <div className={classes.paramList}>
      {rows.map((row) => {
        const active = row.key in draft;
        const value = draft[row.key];
        const changed = active !== row.key in saved || (active && JSON.stringify(value) !== JSON.stringify(saved[row.key]));
        return (
          <ParamRowView
            key={row.key}
            row={row}
            active={active}
            value={value}
            changed={changed}
            error={errors.get(row.key)}
            note={notes.get(row.key)}
            owner={owner}
            readOnly={readOnly}
            onSet={onSet}
            onActivate={onActivate}
          />
        );
      })}
    </div>
  );
}

interface ParamRowViewProps {
  row: ParamRow;
  active: boolean;
  value: unknown;
  changed: boolean;
  error: string | undefined;
  note: ParamNote | undefined;
  owner: SettingsOwner;
  readOnly: boolean;
  onSet: (key: string, value: unknown) => void;
  onActivate: (key: string, param: CatalogueParameter, active: boolean) => void;
}

/**
 * One parameter. Plain elements (no Mantine components) outside the value input: a search can
 * show all 249 parameters, and each row must stay cheap to render.
 */
const ParamRowView = memo(function ParamRowView({
  row,
  active,
  value,
  changed,
  error,
  note,
  owner,
  readOnly,
  onSet,
  onActivate,
}: ParamRowViewProps) {
  const { key, param } = row;
  const wording = WORDING[owner];
  return (
    <div
      className={classes.paramRow}
      data-active={active || undefined}
      data-changed={changed || undefined}
      data-invalid={error ? true : undefined}
      data-overridden={active && note?.tone === 'override' ? true : undefined}
      data-testid="param-row"
      data-key={key}
    >
      <input
        type="checkbox"
        className={classes.paramCheck}
        aria-label={`Activate ${key}`}
        title={active ? wording.activeTitle : wording.inactiveTitle}
        checked={active}
        disabled={readOnly}
        onChange={(e) => onActivate(key, param, e.currentTarget.checked)}
      />
      <div className={classes.paramInfo}>
        <div className={classes.paramDescription}>{param.description}</div>
        <div className={classes.paramMeta}>
          <code className={classes.paramKey}>{key}</code>
          <span className={classes.typeTag} data-testid="param-type">
            {param.type}
          </span>
          <span>{limitsText(param)}</span>
          {changed && <span className={classes.changedTag}>changed</span>}
        </div>
        {note && (
          <div className={classes.paramNote} data-tone={note.tone} data-testid="param-note">
            {note.text}
            {note.to && (
              <>
                {' '}
                <Link to={note.to} className={classes.paramNoteLink}>
                  {note.linkText ?? 'Open'}
                </Link>
              </>
            )}
          </div>
        )}
      </div>
      <div className={classes.paramValue}>
        {active ? (
          <ParameterInput
            param={param}
            settingKey={key}
            value={value}
            error={error ? shortMessage(key, error) : undefined}
            readOnly={readOnly}
            onChange={(v) => onSet(key, v)}
          />
        ) : (
          <div className={classes.inactive}>
            <span className={classes.inactiveText} title={`${wording.inactiveHint} (default ${formatDefault(param)})`}>
              Not activated · default <b>{formatDefault(param)}</b>
            </span>
            {!readOnly && (
              <button type="button" className={classes.setButton} onClick={() => onActivate(key, param, true)} aria-label={`Set ${key}`}>
                Set
              </button>
            )}
          </div>
        )}
      </div>
    </div>
  );
});

function limitsText(param: CatalogueParameter): string {
  switch (param.type) {
    case 'integer':
      return `${param.min}–${param.max}${param.unit ? ` ${param.unit}` : ''}`;
    case 'string':
      return `max. ${param.maxLength} characters${param.pattern ? ', fixed format' : ''}`;
    case 'secret':
      return `max. ${param.maxLength} characters, stored encrypted`;
    case 'enum':
      return param.values.length <= 4 ? param.values.join(' | ') : `${param.values.length} choices`;
    case 'list':
      return `up to ${param.maxItems} entries`;
    default:
      return '';
  }
}
