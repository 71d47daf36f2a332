import { TextField, type SxProps, type Theme } from '@mui/material';
import type { ReactNode } from 'react';

type Common = {
  label: string;
  testId: string;
  children: ReactNode;
  disabled?: boolean;
  sx?: SxProps<Theme>;
  fullWidth?: boolean;
};

/**
 * A native <select> dressed as an MUI field: dense, fully keyboard-driven, and the test id sits on the
 * <select> itself so Playwright's selectOption works on it.
 */
export function NativeSelectField(props: Common & { value: string; onChange: (value: string) => void }) {
  return (
    <TextField
      select
      label={props.label}
      value={props.value}
      disabled={props.disabled}
      fullWidth={props.fullWidth}
      sx={props.sx}
      onChange={(e) => props.onChange(e.target.value)}
      slotProps={{
        select: { native: true },
        inputLabel: { shrink: true },
        htmlInput: { 'data-testid': props.testId },
      }}
    >
      {props.children}
    </TextField>
  );
}

/** The multi-choice variant: a native <select multiple> (Ctrl/Shift-click or keyboard to pick several). */
export function NativeMultiSelectField(
  props: Common & { value: string[]; onChange: (value: string[]) => void; size: number },
) {
  return (
    <TextField
      select
      label={props.label}
      value={props.value}
      disabled={props.disabled}
      fullWidth={props.fullWidth}
      sx={props.sx}
      onChange={(e) => {
        const el = e.target as unknown as HTMLSelectElement;
        props.onChange(Array.from(el.selectedOptions, (o) => o.value));
      }}
      slotProps={{
        select: { native: true, multiple: true },
        inputLabel: { shrink: true },
        htmlInput: {
          'data-testid': props.testId,
          size: props.size,
          style: { height: 'auto', padding: '4px 6px' },
        },
      }}
    >
      {props.children}
    </TextField>
  );
}
