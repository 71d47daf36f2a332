/**
 * The machine word for a state (online, pending, …) kept in the text but not shown, so the text of a
 * status element names its state in every language (tests and accessibility tools read it). Left out
 * when the visible label already says it.
 */
export function StateWord({ word, label }: { word: string; label: string }) {
  if (label.toLowerCase().includes(word.toLowerCase())) return null;
  return (
    <span
      style={{
        position: 'absolute',
        width: 1,
        height: 1,
        overflow: 'hidden',
        clip: 'rect(0 0 0 0)',
        whiteSpace: 'nowrap',
      }}
    >
      {` ${word}`}
    </span>
  );
}
