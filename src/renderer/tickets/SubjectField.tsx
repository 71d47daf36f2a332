import { TextField } from '@mui/material';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

/** The subject, edited in place: Enter or leaving the field saves, Escape puts the old text back. */
export function SubjectField({ value, onSave }: { value: string; onSave: (subject: string) => void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState(value);
  const focused = useRef(false);

  // Take in changes from sync, but never while the agent is typing.
  useEffect(() => {
    if (!focused.current) setDraft(value);
  }, [value]);

  const commit = () => {
    const next = draft.trim();
    if (!next) setDraft(value);
    else if (next !== value) onSave(next);
  };

  return (
    <TextField
      value={draft}
      onChange={(e) => setDraft(e.target.value)}
      onFocus={() => (focused.current = true)}
      onBlur={() => {
        focused.current = false;
        commit();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          (e.target as HTMLInputElement).blur();
        } else if (e.key === 'Escape') {
          setDraft(value);
          requestAnimationFrame(() => (e.target as HTMLInputElement).blur());
        }
      }}
      variant="standard"
      fullWidth
      slotProps={{
        htmlInput: { 'data-testid': 'ticket-subject', 'aria-label': t('detail.subject'), maxLength: 300 },
        input: { disableUnderline: false, sx: { fontSize: 18, fontWeight: 600 } },
      }}
    />
  );
}
