import EmailIcon from '@mui/icons-material/EmailOutlined';
import PhoneIcon from '@mui/icons-material/PhoneOutlined';
import CallIcon from '@mui/icons-material/Call';
import { Box, IconButton, Link, Paper, Stack, Tooltip, Typography } from '@mui/material';
import { useTranslation } from 'react-i18next';
import type { Customer } from '../../shared';
import { formatPhone } from '../../shared/phone';
import { usePhoneDial } from '../softphone/use-phone-dial';

export function CustomerCard({
  customer,
  onOpen,
}: {
  customer: Customer | null;
  onOpen: (id: string) => void;
}) {
  const { t } = useTranslation();
  const dial = usePhoneDial();
  return (
    <Paper variant="outlined" sx={{ p: 1.5 }} data-testid="customer-card">
      <Typography variant="overline" color="textSecondary">
        {t('customer.card')}
      </Typography>
      {customer ? (
        <Stack spacing={0.5}>
          <Typography sx={{ fontWeight: 600 }}>{customer.name}</Typography>
          {customer.company && (
            <Typography variant="body2" color="textSecondary">
              {customer.company}
            </Typography>
          )}
          <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.5, fontSize: 12 }}>
            <PhoneIcon sx={{ fontSize: 14 }} aria-label={t('customer.phone')} />
            {customer.phone ? formatPhone(customer.phone) : t('customer.none')}
            {customer.phone && (
              <Tooltip title={t('phone.call.callCustomer', { number: formatPhone(customer.phone) })}>
                <span>
                  <IconButton
                    size="small"
                    data-testid="customer-call"
                    disabled={!dial.canDial}
                    onClick={() => customer.phone && dial.call(customer.phone)}
                    aria-label={t('phone.call.callCustomer', { number: formatPhone(customer.phone) })}
                  >
                    <CallIcon sx={{ fontSize: 14 }} />
                  </IconButton>
                </span>
              </Tooltip>
            )}
          </Box>
          <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.5, fontSize: 12, wordBreak: 'break-all' }}>
            <EmailIcon sx={{ fontSize: 14 }} aria-label={t('customer.email')} />
            {customer.email ?? t('customer.none')}
          </Box>
          {dial.error && (
            <Typography variant="caption" color="error" data-testid="customer-call-error">
              {t('phone.call.failed', { message: dial.error })}
            </Typography>
          )}
          <Link
            component="button"
            variant="body2"
            data-testid="open-customer"
            onClick={() => onOpen(customer.id)}
            sx={{ alignSelf: 'flex-start', mt: 0.5 }}
          >
            {t('customer.open')} →
          </Link>
        </Stack>
      ) : (
        <Typography variant="body2" color="textSecondary">
          {t('customer.noCustomer')}
        </Typography>
      )}
    </Paper>
  );
}
