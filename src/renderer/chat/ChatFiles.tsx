import AttachFileIcon from '@mui/icons-material/AttachFile';
import { Alert, Box, Chip, IconButton, LinearProgress, Stack, Tooltip, Typography } from '@mui/material';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CHAT_FILE_MAX_BYTES, CHAT_FILE_TYPES } from '../../shared/chat/limits';
import type { ChatAttachmentRef } from '../../shared/chat/protocol';
import { errorBodyOf, getApi } from '../api';
import { errorText } from '../i18n';

/*
 * Chat files (issue 13) in the desk: the composer's attach button and the file chips on messages. Files go
 * through the desktop services (chat.upload / chat.file), which talk to the server with the session's token.
 */

const MB = CHAT_FILE_MAX_BYTES / 1024 / 1024;
const ACCEPT = Object.entries(CHAT_FILE_TYPES)
  .flatMap(([type, ends]) => [type, ...ends])
  .join(',');

const sizeText = (n: number) =>
  n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${Math.round(n / 1024)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`;

/** The limits, said under the composer before anything is picked. */
export function FileLimits() {
  const { t } = useTranslation();
  return (
    <Typography variant="caption" color="textSecondary" component="div" data-testid="chat-file-limits">
      {t('chatFiles.limits', { mb: MB })}
    </Typography>
  );
}

const base64Of = (file: Blob): Promise<string> =>
  new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(r.error ?? new Error('read failed'));
    r.readAsDataURL(file);
  });

/** The attach button: checks the limits, uploads the file to the chat and sends it as a message of its own. */
export function AttachButton({ chatId, disabled }: { chatId: string; disabled: boolean }) {
  const { t } = useTranslation();
  const picker = useRef<HTMLInputElement | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const attach = async (file: File) => {
    setError(null);
    const type = file.type.toLowerCase();
    if (!Object.hasOwn(CHAT_FILE_TYPES, type)) return setError(t('chatFiles.wrongType', { name: file.name }));
    if (file.size > CHAT_FILE_MAX_BYTES)
      return setError(t('chatFiles.tooLarge', { name: file.name, mb: MB }));
    setBusy(file.name);
    try {
      const ref = await getApi().invoke('chat.upload', {
        chatId,
        name: file.name,
        type,
        base64: await base64Of(file),
      });
      await getApi().invoke('chat.send', { chatId, text: '', attachments: [ref] });
    } catch (e) {
      const { headline } = errorText(t, errorBodyOf(e));
      setError(`${t('chatFiles.uploadFailed', { name: file.name })} ${headline}`);
    } finally {
      setBusy(null);
    }
  };

  return (
    <>
      <input
        ref={picker}
        type="file"
        hidden
        accept={ACCEPT}
        data-testid="chat-file-input"
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) void attach(f);
        }}
      />
      <Tooltip title={t('chatFiles.limits', { mb: MB })}>
        <span>
          <IconButton
            disabled={disabled || busy !== null}
            onClick={() => picker.current?.click()}
            aria-label={t('chatFiles.attach')}
            data-testid="chat-attach"
          >
            <AttachFileIcon />
          </IconButton>
        </span>
      </Tooltip>
      {(busy || error) && (
        <Box sx={{ position: 'absolute', left: 8, right: 8, bottom: '100%', zIndex: 1 }}>
          {busy && (
            <Box role="status" data-testid="chat-upload" sx={{ bgcolor: 'background.paper', p: 0.5 }}>
              <Typography variant="caption">{t('chatFiles.uploading', { name: busy })}</Typography>
              <LinearProgress />
            </Box>
          )}
          {error && (
            <Alert severity="error" onClose={() => setError(null)} data-testid="chat-file-error">
              {error}
            </Alert>
          )}
        </Box>
      )}
    </>
  );
}

/** A message's files: each a chip that fetches the file (scope-checked by the server) and saves it. */
export function FileChips({ files, own }: { files: readonly ChatAttachmentRef[]; own: boolean }) {
  const { t } = useTranslation();
  const [failed, setFailed] = useState<string | null>(null);
  if (files.length === 0) return null;
  const download = async (f: ChatAttachmentRef) => {
    setFailed(null);
    try {
      const file = await getApi().invoke('chat.file', { id: f.id });
      const bytes = Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0));
      // As bytes of no type: saved, never shown in the window, whatever the sender said it is.
      const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = file.fileName;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      const { headline } = errorText(t, errorBodyOf(e));
      setFailed(`${t('chatFiles.downloadFailed')} ${headline}`);
    }
  };
  return (
    <Stack direction="row" spacing={0.5} useFlexGap sx={{ flexWrap: 'wrap', mt: 0.5 }}>
      {files.map((f) => (
        <Chip
          key={f.id}
          size="small"
          icon={<AttachFileIcon />}
          label={`${f.name} · ${sizeText(f.size)}`}
          onClick={() => void download(f)}
          aria-label={t('chatFiles.download', { name: f.name })}
          data-testid="chat-file"
          sx={own ? { bgcolor: 'background.paper' } : undefined}
        />
      ))}
      {failed && (
        <Typography variant="caption" color="error" role="alert">
          {failed}
        </Typography>
      )}
    </Stack>
  );
}
