import DarkModeIcon from '@mui/icons-material/DarkModeOutlined';
import LightModeIcon from '@mui/icons-material/LightModeOutlined';
import { IconButton, Tooltip } from '@mui/material';
import { useTranslation } from 'react-i18next';
import { useThemeMode } from '../theme/ThemeModeProvider';

export function ThemeSwitch() {
  const { t } = useTranslation();
  const { mode, toggle } = useThemeMode();
  const label = mode === 'light' ? t('shell.themeDark') : t('shell.themeLight');
  return (
    <Tooltip title={label}>
      <IconButton
        color="inherit"
        onClick={toggle}
        aria-label={label}
        data-testid="theme-switch"
        data-mode={mode}
      >
        {mode === 'light' ? <DarkModeIcon fontSize="small" /> : <LightModeIcon fontSize="small" />}
      </IconButton>
    </Tooltip>
  );
}
