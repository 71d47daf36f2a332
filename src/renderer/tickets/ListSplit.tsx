import { Box, useMediaQuery, useTheme } from '@mui/material';
import { useRef, useState, type KeyboardEvent, type PointerEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

const KEY = 'switchboard.ticketListShare';
const MIN = 0.25;
const MAX = 0.75;
const DEFAULT = 0.42;
const STEP = 0.02;

const clamp = (x: number) => Math.min(MAX, Math.max(MIN, x));

function saved(): number {
  const v = Number(localStorage.getItem(KEY));
  return Number.isFinite(v) && v > 0 ? clamp(v) : DEFAULT;
}

/**
 * The list and the open ticket side by side over the whole width, in a proportion the agent sets by dragging
 * the divider (or with ← and → on it) and that this desktop keeps. On a narrow window the list alone.
 */
export function ListSplit({ list, detail }: { list: ReactNode; detail: ReactNode }) {
  const { t } = useTranslation();
  const wide = useMediaQuery(useTheme().breakpoints.up('md'), { noSsr: true });
  const [share, setShare] = useState(saved);
  const box = useRef<HTMLDivElement>(null);
  const dragging = useRef(false);

  const set = (next: number) => {
    const v = clamp(next);
    setShare(v);
    localStorage.setItem(KEY, v.toFixed(3));
  };
  const follow = (e: PointerEvent<HTMLDivElement>) => {
    const r = box.current?.getBoundingClientRect();
    if (dragging.current && r && r.width > 0) set((e.clientX - r.left) / r.width);
  };
  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const to =
      e.key === 'ArrowLeft'
        ? share - STEP
        : e.key === 'ArrowRight'
          ? share + STEP
          : e.key === 'Home'
            ? MIN
            : e.key === 'End'
              ? MAX
              : null;
    if (to === null) return;
    e.preventDefault();
    set(to);
  };

  if (!wide) return <Box sx={{ flex: 1, minWidth: 0 }}>{list}</Box>;
  return (
    <Box ref={box} sx={{ flex: 1, minWidth: 0, minHeight: 0, display: 'flex' }}>
      <Box
        data-testid="ticket-list-pane"
        sx={{ flexBasis: `${share * 100}%`, flexShrink: 0, minWidth: 0, minHeight: 0 }}
      >
        {list}
      </Box>
      <Box
        role="separator"
        aria-orientation="vertical"
        aria-label={t('tickets.resize')}
        aria-valuemin={MIN * 100}
        aria-valuemax={MAX * 100}
        aria-valuenow={Math.round(share * 100)}
        tabIndex={0}
        title={t('tickets.resize')}
        data-testid="ticket-split"
        onKeyDown={onKey}
        onPointerDown={(e) => {
          dragging.current = true;
          e.currentTarget.setPointerCapture(e.pointerId);
        }}
        onPointerMove={follow}
        onPointerUp={(e) => {
          dragging.current = false;
          e.currentTarget.releasePointerCapture(e.pointerId);
        }}
        sx={{
          width: 5,
          flexShrink: 0,
          cursor: 'col-resize',
          borderLeft: 1,
          borderColor: 'divider',
          bgcolor: 'background.default',
          '&:hover, &:focus-visible': { bgcolor: 'primary.light', outline: 'none' },
        }}
      />
      <Box sx={{ flex: 1, minWidth: 0, overflowY: 'auto' }}>{detail}</Box>
    </Box>
  );
}
