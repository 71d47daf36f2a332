/**
 * Puts a draft into a reply editor the panel does not own (the ticket's comment box, the chat's composer), found
 * by its data-testid (one ticket or chat is open at a time): the value is set through the element's native setter and an `input`
 * event is dispatched, which React reads as the agent typing, so the editor's own state, checks and Send button
 * behave as after typing. Text already in the box is kept, the draft goes after it. Nothing is sent. Returns
 * false when no such editor is on screen (or it is disabled).
 */
export function insertIntoReply(testId: string, text: string): boolean {
  const box = [
    ...document.querySelectorAll<HTMLTextAreaElement | HTMLInputElement>(`[data-testid="${testId}"]`),
  ].find((b) => !b.disabled && !b.readOnly);
  if (!box) return false;
  const proto =
    box instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  const setter = Object.getOwnPropertyDescriptor(proto, 'value')?.set;
  if (!setter) return false;
  const before = box.value.trimEnd();
  setter.call(box, before ? `${before}\n\n${text}` : text);
  box.dispatchEvent(new Event('input', { bubbles: true }));
  box.focus();
  box.setSelectionRange(box.value.length, box.value.length);
  return true;
}
