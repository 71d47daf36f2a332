import { Alert, Box } from '@mui/material';
import { useTranslation } from 'react-i18next';
import type { ErrorBody } from '../../shared';
import { errorText } from '../i18n';

/** A failure as the agent should read it: the next step first, the services' own words after. */
export function ErrorAlert({
  error,
  testId,
  onClose,
  describe = errorText,
}: {
  error: ErrorBody;
  testId?: string;
  onClose?: () => void;
  /** Where a screen words some codes its own way (the sign-in screen); the general sentences otherwise. */
  describe?: typeof errorText;
}) {
  const { t } = useTranslation();
  const { headline, detail } = describe(t, error);
  return (
    <Alert severity="error" data-testid={testId} data-code={error.code} onClose={onClose} sx={{ py: 0 }}>
      <Box>{headline}</Box>
      {detail && <Box sx={{ opacity: 0.8, fontSize: '0.9em', wordBreak: 'break-word' }}>{detail}</Box>}
      {error.issues?.map((i) => (
        <Box key={i.path + i.message} sx={{ fontSize: '0.9em' }}>
          {i.path ? `${i.path}: ` : ''}
          {i.message}
        </Box>
      ))}
    </Alert>
  );
}
