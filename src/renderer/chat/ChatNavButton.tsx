import { Badge, Button } from '@mui/material';
import { useTranslation } from 'react-i18next';
import { useChats } from './ChatProvider';

/** "Chats" in the navigation, with how many chats the agent has open (and offers waiting, in the badge's colour). */
export function ChatNavButton({ active, onClick }: { active: boolean; onClick: () => void }) {
  const { t } = useTranslation();
  const { openCount, state } = useChats();
  const offered = state.offers.length;
  return (
    <Button
      color={active ? 'primary' : 'inherit'}
      onClick={onClick}
      data-testid="nav-chats"
      data-count={openCount}
      data-offers={offered}
      aria-current={active ? 'page' : undefined}
    >
      <Badge
        badgeContent={openCount + offered}
        color={offered > 0 ? 'warning' : 'primary'}
        sx={{ '& .MuiBadge-badge': { right: -10 } }}
      >
        {t('chat.nav')}
      </Badge>
    </Button>
  );
}
