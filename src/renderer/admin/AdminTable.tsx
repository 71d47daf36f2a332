import {
  Box,
  Button,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@mui/material';
import AddIcon from '@mui/icons-material/Add';
import type { ReactNode } from 'react';

/** A section of a tab: its title, a count, an add button, then a dense table with a sticky header. */
export function AdminSection({
  title,
  count,
  addLabel,
  onAdd,
  addTestId,
  tools,
  children,
}: {
  title: string;
  count?: string;
  addLabel?: string;
  onAdd?: () => void;
  addTestId?: string;
  tools?: ReactNode;
  children: ReactNode;
}) {
  return (
    <Box sx={{ mb: 2 }}>
      <Stack
        direction="row"
        spacing={1}
        sx={{ alignItems: 'center', mb: 0.5, flexWrap: 'wrap', rowGap: 0.5 }}
      >
        <Typography variant="subtitle2" component="h2" sx={{ fontWeight: 700 }}>
          {title}
        </Typography>
        {count && (
          <Typography variant="caption" sx={{ color: 'text.secondary' }}>
            {count}
          </Typography>
        )}
        {tools}
        <Box sx={{ flex: 1 }} />
        {onAdd && (
          <Button variant="contained" startIcon={<AddIcon />} onClick={onAdd} data-testid={addTestId}>
            {addLabel}
          </Button>
        )}
      </Stack>
      {children}
    </Box>
  );
}

export function AdminTable({
  head,
  children,
  testId,
}: {
  head: ReactNode[];
  children: ReactNode;
  testId?: string;
}) {
  return (
    <Box
      sx={{
        border: 1,
        borderColor: 'divider',
        borderRadius: 1,
        bgcolor: 'background.paper',
        overflow: 'auto',
      }}
    >
      <Table size="small" stickyHeader data-testid={testId} sx={{ '& td, & th': { py: 0.5, px: 1 } }}>
        <TableHead>
          <TableRow>
            {head.map((h, i) => (
              <TableCell key={i} sx={{ fontWeight: 600, whiteSpace: 'nowrap', bgcolor: 'background.paper' }}>
                {h}
              </TableCell>
            ))}
          </TableRow>
        </TableHead>
        <TableBody>{children}</TableBody>
      </Table>
    </Box>
  );
}

export function EmptyRow({ span, text }: { span: number; text: string }) {
  return (
    <TableRow>
      <TableCell colSpan={span} sx={{ color: 'text.secondary', py: 2 }}>
        {text}
      </TableCell>
    </TableRow>
  );
}
