import CloseIcon from '@mui/icons-material/Close';
import { Box, Dialog, DialogContent, DialogTitle, IconButton, Typography } from '@mui/material';
import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';
import { SHORTCUT_GROUPS, SHORTCUTS } from '../common/shortcuts';

/** Every keyboard shortcut of the workbench, from the shared table; Esc or the close button closes it. */
export function ShortcutsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Dialog
      open={open}
      onClose={onClose}
      fullWidth
      maxWidth="sm"
      aria-labelledby="shortcuts-title"
      slotProps={{ paper: { 'data-testid': 'shortcuts-dialog' } as object }}
    >
      <DialogTitle id="shortcuts-title" sx={{ pr: 6 }}>
        {t('shortcuts.title')}
        <IconButton
          aria-label={t('shortcuts.close')}
          onClick={onClose}
          size="small"
          sx={{ position: 'absolute', right: 12, top: 12 }}
          data-testid="shortcuts-close"
        >
          <CloseIcon fontSize="small" />
        </IconButton>
      </DialogTitle>
      <DialogContent>
        <Typography variant="body2" sx={{ mb: 1, color: 'text.secondary' }}>
          {t('shortcuts.hint')}
        </Typography>
        {/* One table for all groups, so the descriptions line up however wide a group's keys are. */}
        <Box component="table" sx={{ borderCollapse: 'collapse', width: '100%' }}>
          {SHORTCUT_GROUPS.map((group) => (
            <Box component="tbody" key={group}>
              <tr>
                <Box
                  component="th"
                  colSpan={2}
                  scope="colgroup"
                  sx={{ pt: 2, pb: 0.5, textAlign: 'left', color: 'primary.main', typography: 'subtitle2' }}
                >
                  {t(`shortcuts.groups.${group}`)}
                </Box>
              </tr>
              {SHORTCUTS.filter((s) => s.group === group).map((s) => (
                <tr key={s.id} data-testid="shortcut-row" data-shortcut={s.id}>
                  <Box component="td" sx={{ py: 0.375, pr: 2, whiteSpace: 'nowrap', width: '1%' }}>
                    {s.keys.map((k, i) => (
                      <Fragment key={k}>
                        {i > 0 && (
                          <Typography
                            component="span"
                            variant="caption"
                            sx={{ mx: 0.5, color: 'text.secondary' }}
                          >
                            {t('shortcuts.or')}
                          </Typography>
                        )}
                        <Box
                          component="kbd"
                          sx={{
                            display: 'inline-block',
                            minWidth: 22,
                            px: 0.75,
                            border: 1,
                            borderColor: 'divider',
                            borderBottomWidth: 2,
                            borderRadius: 1,
                            bgcolor: 'action.hover',
                            fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
                            fontSize: 12,
                            lineHeight: '20px',
                            textAlign: 'center',
                          }}
                        >
                          {k}
                        </Box>
                      </Fragment>
                    ))}
                  </Box>
                  <Box component="td" sx={{ py: 0.375, fontSize: 14 }}>
                    {t(s.text ?? `shortcuts.do.${s.id}`)}
                  </Box>
                </tr>
              ))}
            </Box>
          ))}
        </Box>
      </DialogContent>
    </Dialog>
  );
}
