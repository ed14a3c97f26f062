/** The page's own confirmation dialog (a modal `<dialog>`), so every action is asked for once more. */
import { h } from './dom.js';

/**
 * Ask before an action: `question` says what will happen, the button is labelled `verb`.
 * Resolves true when confirmed, false on "Back", Escape or a click outside.
 */
export function confirmAction(question: string, verb: string, danger = false): Promise<boolean> {
  return new Promise((resolve) => {
    const close = (answer: string) => () => dialog.close(answer);
    const yes = h('button', { type: 'button', class: danger ? 'danger' : 'primary', onclick: close('yes') }, verb);
    const no = h('button', { type: 'button', onclick: close('no') }, 'Back');
    const dialog = h(
      'dialog',
      { class: 'confirm', 'aria-label': verb },
      h('p', {}, question),
      h('div', { class: 'buttons' }, no, yes),
    );
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue === 'yes');
    });
    dialog.addEventListener('click', (e) => {
      if (e.target === dialog) dialog.close('no');
    });
    document.body.append(dialog);
    dialog.showModal();
    no.focus();
  });
}
