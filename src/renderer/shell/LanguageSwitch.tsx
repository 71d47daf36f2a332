import TranslateIcon from '@mui/icons-material/Translate';
import { Button, Tooltip } from '@mui/material';
import { useTranslation } from 'react-i18next';
import { otherLanguage, type Language } from '../i18n';

/** One click flips between 中文 and English; the button names the language it switches to. */
export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <Tooltip title={t('shell.language')}>
      <Button
        color="inherit"
        data-testid="lang-switch"
        data-lang={i18n.language}
        startIcon={<TranslateIcon fontSize="small" />}
        onClick={() => void i18n.changeLanguage(otherLanguage(i18n.language as Language))}
      >
        {t('shell.switchTo')}
      </Button>
    </Tooltip>
  );
}
