import { Link } from '@mui/material';
import { Fragment } from 'react';
import { textSegments } from '../../shared/chat/text';

/**
 * What a visitor, agent or bot wrote, as text: never HTML. Only http(s) addresses become links, opened in a new
 * window without access to this one.
 */
export function MessageText({ text }: { text: string }) {
  return (
    <>
      {textSegments(text).map((s, i) =>
        'href' in s ? (
          <Link key={i} href={s.href} target="_blank" rel="noopener noreferrer nofollow ugc">
            {s.text}
          </Link>
        ) : (
          <Fragment key={i}>{s.text}</Fragment>
        ),
      )}
    </>
  );
}
