import { Autocomplete, Chip, TextField } from '@mui/material';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Tags } from '../../shared';

/**
 * A ticket's tags as chips: type a word and press Enter (or a space or comma) to add it, Backspace removes the
 * last. Each change saves the whole set; the shared Tags rule (one word, at most 20) is checked as it is typed.
 */
export function TagsField({
  tags,
  disabled,
  onChange,
}: {
  tags: string[];
  disabled?: boolean;
  onChange: (tags: string[]) => void;
}) {
  const { t } = useTranslation();
  const [input, setInput] = useState('');
  const [error, setError] = useState<string | null>(null);
  // What the agent sees at once: a second tag typed before the first save comes back must not drop the first.
  const [shown, setShown] = useState(tags);
  const tagsKey = JSON.stringify(tags);
  useEffect(() => setShown(JSON.parse(tagsKey) as string[]), [tagsKey]);

  const commit = (next: string[]) => {
    const parsed = Tags.safeParse(next);
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message.includes('20') ? t('tags.tooMany') : t('tags.invalid'));
      return;
    }
    setError(null);
    setInput('');
    if (JSON.stringify(parsed.data) !== JSON.stringify(shown)) {
      setShown(parsed.data);
      onChange(parsed.data);
    }
  };

  return (
    <Autocomplete<string, true, false, true>
      multiple
      freeSolo
      size="small"
      options={[]}
      value={shown}
      disabled={disabled}
      inputValue={input}
      onInputChange={(_e, v, reason) => {
        // A space or comma ends a tag, as in Zendesk: tags are single words.
        if (reason === 'input' && /[\s,;，；]$/.test(v)) {
          const word = v.replace(/[\s,;，；]+$/, '');
          if (word) commit([...shown, word]);
          else setInput('');
          return;
        }
        setInput(v);
      }}
      onChange={(_e, v) => commit(v)}
      renderValue={(value, getItemProps) =>
        value.map((tag, index) => {
          const { key, ...itemProps } = getItemProps({ index });
          return <Chip key={key} size="small" label={tag} data-testid="ticket-tag" {...itemProps} />;
        })
      }
      renderInput={(params) => (
        <TextField
          {...params}
          label={t('tags.label')}
          placeholder={shown.length === 0 ? t('tags.placeholder') : undefined}
          error={error !== null}
          helperText={error ?? undefined}
          onBlur={() => input.trim() && commit([...shown, input.trim()])}
          slotProps={{
            ...params.slotProps,
            htmlInput: { ...params.slotProps.htmlInput, 'data-testid': 'ticket-tags-input' },
          }}
        />
      )}
    />
  );
}
