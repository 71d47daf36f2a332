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
        <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
          {t('shortcuts.hint')}
        </Typography>
        {SHORTCUT_GROUPS.map((group) => (
          <Box key={group} component="section" sx={{ mt: 2 }}>
            <Typography variant="subtitle2" component="h3" color="primary" sx={{ mb: 0.5 }}>
              {t(`shortcuts.groups.${group}`)}
            </Typography>
            <Box
              component="dl"
              sx={{
                display: 'grid',
                gridTemplateColumns: 'max-content 1fr',
                columnGap: 2,
                rowGap: 0.75,
                m: 0,
              }}
            >
              {SHORTCUTS.filter((s) => s.group === group).map((s) => (
                <Box key={s.id} data-testid="shortcut-row" data-shortcut={s.id} sx={{ display: 'contents' }}>
                  <Box component="dt" sx={{ m: 0, whiteSpace: 'nowrap' }}>
                    {s.keys.map((k, i) => (
                      <Fragment key={k}>
                        {i > 0 && (
                          <Typography
                            component="span"
                            variant="caption"
                            color="text.secondary"
                            sx={{ mx: 0.5 }}
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
                  <Box component="dd" sx={{ m: 0, fontSize: 14, alignSelf: 'center' }}>
                    {t(`shortcuts.do.${s.id}`)}
                  </Box>
                </Box>
              ))}
            </Box>
          </Box>
        ))}
      </DialogContent>
    </Dialog>
  );
}
