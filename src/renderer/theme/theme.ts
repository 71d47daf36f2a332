import { createTheme, type Theme } from '@mui/material/styles';

export type ThemeMode = 'light' | 'dark';

/**
 * Curly quotes and apostrophes from a Latin face: where no Latin font of the stack is installed (a plain Linux
 * desktop, a VDI image) the CJK font drew them full-width, and English read “ Repair ” and agent’ s. The system
 * fonts on Windows and macOS draw them narrow in both languages, as this does.
 */
const QUOTES_FACE = 'Switchboard Quotes';
const QUOTES_FONT_FACE = {
  fontFamily: QUOTES_FACE,
  src: ['Segoe UI', 'Helvetica Neue', 'Arial', 'Roboto', 'Noto Sans', 'Liberation Sans', 'DejaVu Sans']
    .map((f) => `local("${f}")`)
    .join(', '),
  unicodeRange: 'U+2018-201F',
};

const FONT = `"${QUOTES_FACE}", -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif`;

/**
 * Compact and calm: agents sit in front of this all day, so small controls, dense lists, 13px text and
 * a muted slate/teal palette without loud accents.
 */
export function buildTheme(mode: ThemeMode): Theme {
  const light = mode === 'light';
  return createTheme({
    palette: {
      mode,
      primary: { main: light ? '#2f6f73' : '#7fb8ba' },
      secondary: { main: light ? '#5b6b8c' : '#a3b1cc' },
      background: light ? { default: '#f4f6f8', paper: '#ffffff' } : { default: '#15191d', paper: '#1d2227' },
      divider: light ? 'rgba(30, 41, 59, 0.12)' : 'rgba(226, 232, 240, 0.12)',
    },
    shape: { borderRadius: 6 },
    spacing: 6,
    typography: {
      fontFamily: FONT,
      fontSize: 13,
      htmlFontSize: 16,
      button: { textTransform: 'none', fontWeight: 600 },
    },
    components: {
      MuiCssBaseline: { styleOverrides: { '@font-face': QUOTES_FONT_FACE, body: { fontSize: 13 } } },
      MuiButton: { defaultProps: { size: 'small', disableElevation: true } },
      MuiIconButton: { defaultProps: { size: 'small' } },
      MuiTextField: { defaultProps: { size: 'small', margin: 'none' } },
      MuiFormControl: { defaultProps: { size: 'small', margin: 'none' } },
      MuiSelect: { defaultProps: { size: 'small' } },
      MuiChip: { defaultProps: { size: 'small' } },
      MuiCheckbox: { defaultProps: { size: 'small' } },
      MuiSwitch: { defaultProps: { size: 'small' } },
      MuiList: { defaultProps: { dense: true } },
      MuiMenuItem: { defaultProps: { dense: true } },
      MuiTable: { defaultProps: { size: 'small' } },
      MuiToolbar: { defaultProps: { variant: 'dense' } },
      MuiTooltip: { defaultProps: { arrow: true } },
      MuiAppBar: { defaultProps: { elevation: 0, color: 'default' } },
      MuiPaper: { defaultProps: { elevation: 0 } },
    },
  });
}
