import { Box, Button } from '@mui/material';

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

/** The twelve phone keys; typing them on the keyboard works as well where the keypad has focus. */
export function Keypad({ onKey, testId }: { onKey: (key: string) => void; testId?: string }) {
  return (
    <Box
      data-testid={testId}
      onKeyDown={(e) => {
        if (KEYS.includes(e.key)) {
          e.preventDefault();
          onKey(e.key);
        }
      }}
      sx={{ display: 'grid', gridTemplateColumns: 'repeat(3, 48px)', gap: 0.5, justifyContent: 'center' }}
    >
      {KEYS.map((k) => (
        <Button
          key={k}
          variant="outlined"
          size="small"
          onClick={() => onKey(k)}
          data-testid={`key-${k === '*' ? 'star' : k === '#' ? 'hash' : k}`}
          sx={{ minWidth: 0, fontSize: 16, fontVariantNumeric: 'tabular-nums' }}
        >
          {k}
        </Button>
      ))}
    </Box>
  );
}
