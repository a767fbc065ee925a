import type { CatalogueParameter, InstanceGroup } from '@openums/protocol';
import { useCallback, useMemo, useRef, useState } from 'react';
import { changeCounts, changedKeys, defaultValue, rebaseDraft, validateSettings, withoutInstance, type Settings } from './parameter-model';

/**
 * The editing state of a settings map (a profile's, a device's own configuration): the draft, what
 * changed against the saved settings, the catalogue's complaints, and the parameter editor's
 * callbacks. When the saved settings change on the server (another window, another
 * administrator, the device itself), an untouched draft follows them; a draft with unsaved changes
 * is kept as it is (`keep`) or gets the edits applied to the new settings (`rebase`).
 */
export function useSettingsDraft(saved: Settings, onServerChange: 'keep' | 'rebase' = 'keep') {
  const [draft, setDraft] = useState<Settings>(saved);
  /** Changes to remount the editor (discarding resets its added instances). */
  const [editorKey, setEditorKey] = useState(0);
  /** Values of deactivated parameters, restored when they are activated again. */
  const memory = useRef(new Map<string, unknown>());

  const [base, setBase] = useState(saved);
  if (base !== saved) {
    setBase(saved);
    if (changedKeys(base, draft).length === 0) setDraft(saved);
    else if (onServerChange === 'rebase') setDraft(rebaseDraft(base, draft, saved));
  }
  const changed = useMemo(() => changedKeys(saved, draft), [saved, draft]);
  const errors = useMemo(() => validateSettings(draft), [draft]);

  const onSet = useCallback((key: string, value: unknown) => setDraft((d) => ({ ...d, [key]: value })), []);
  const onActivate = useCallback((key: string, param: CatalogueParameter, active: boolean) => {
    setDraft((d) => {
      if (active) return key in d ? d : { ...d, [key]: memory.current.has(key) ? memory.current.get(key) : defaultValue(param) };
      if (!(key in d)) return d;
      memory.current.set(key, d[key]);
      const next = { ...d };
      delete next[key];
      return next;
    });
  }, []);
  const onRemoveInstance = useCallback((group: InstanceGroup, id: string) => setDraft((d) => withoutInstance(d, group.key, id)), []);

  const discard = () => {
    setDraft(saved);
    memory.current.clear();
    setEditorKey((k) => k + 1);
  };
  /**
   * After saving: what the server stored (secrets masked) is the new starting point, also when
   * newer settings (refetched) arrive before the saved ones were shown.
   */
  const reset = (next: Settings) => {
    setDraft(next);
    setBase(next);
    memory.current.clear();
  };

  return {
    draft,
    changed,
    errors,
    dirty: changed.length > 0,
    counts: changeCounts(saved, draft, changed),
    editorKey,
    onSet,
    onActivate,
    onRemoveInstance,
    discard,
    reset,
  };
}
