import CloseIcon from '@mui/icons-material/Close';
import { Alert, Badge, Box, IconButton, Tab, Tabs, Typography } from '@mui/material';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CannedResponse } from '../../shared/chat/agent-protocol';
import { getApi } from '../api';
import { useChats } from './ChatProvider';
import { ChatView } from './ChatView';

/**
 * The agent's chats, one tab each, in the page area: the call panel stays beside it, so an agent on a call
 * keeps the call in view while answering chats. A tab whose chat ended closes with its ×.
 */
export function ChatDesk({ onOpenTicket }: { onOpenTicket: (id: string) => void }) {
  const { t, i18n } = useTranslation();
  const { state, activeId, setActiveId, unread } = useChats();
  const [canned, setCanned] = useState<CannedResponse[]>([]);
  const language = i18n.language === 'en' ? 'en' : 'zh-CN';

  useEffect(() => {
    let live = true;
    if (!state.online) return;
    // Both languages: a visitor may write in the other one; the agent's language comes first.
    getApi()
      .invoke('chat.canned', {})
      .then(
        (list) =>
          live &&
          setCanned(
            [...list].sort((a, b) => Number(b.language === language) - Number(a.language === language)),
          ),
        () => undefined,
      );
    return () => {
      live = false;
    };
  }, [state.online, language]);

  const active = state.chats.find((c) => c.id === activeId) ?? null;
  return (
    <Box sx={{ flex: 1, minWidth: 0, display: 'flex', flexDirection: 'column' }} data-testid="chat-desk">
      {!state.online && (
        <Alert severity="warning" sx={{ borderRadius: 0, py: 0 }} data-testid="chat-offline">
          {t('chat.offline')}
        </Alert>
      )}
      {state.chats.length === 0 ? (
        <Box sx={{ p: 4, textAlign: 'center' }}>
          <Typography color="textSecondary" data-testid="chat-none">
            {t('chat.none')}
          </Typography>
        </Box>
      ) : (
        <>
          <Tabs
            value={active?.id ?? false}
            onChange={(_e, id: string) => setActiveId(id)}
            variant="scrollable"
            sx={{
              minHeight: 36,
              borderBottom: 1,
              borderColor: 'divider',
              '& .MuiTab-root': { minHeight: 36, py: 0 },
            }}
          >
            {state.chats.map((c) => (
              <Tab
                key={c.id}
                value={c.id}
                data-testid="chat-tab"
                data-chat={c.id}
                label={
                  <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.5, textTransform: 'none' }}>
                    <Badge color="error" variant="dot" invisible={!unread(c)}>
                      <span>{c.visitor.name || t('chat.visitor')}</span>
                    </Badge>
                    {c.state === 'ended' && (
                      <>
                        <Typography variant="caption" color="textSecondary">
                          {t('chat.states.ended')}
                        </Typography>
                        <IconButton
                          component="span"
                          size="small"
                          aria-label={t('chat.closeTab')}
                          onClick={(e) => {
                            e.stopPropagation();
                            void getApi().invoke('chat.close', { chatId: c.id });
                          }}
                        >
                          <CloseIcon sx={{ fontSize: 14 }} />
                        </IconButton>
                      </>
                    )}
                  </Box>
                }
              />
            ))}
          </Tabs>
          {active && <ChatView key={active.id} chat={active} canned={canned} onOpenTicket={onOpenTicket} />}
        </>
      )}
    </Box>
  );
}
