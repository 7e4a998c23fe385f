/** Visible messages at the top of the page: every failure ends here, never in a blank page. */

const box = (): HTMLElement => document.getElementById('messages')!;

/** Every error shown so far (read by the browser tests). */
export const shownErrors: string[] = [];

/** The message of any thrown value, with the code of a RaunetError (e.g. `ERR_NIFTI_FORMAT`). */
export function describeError(error: unknown): string {
  if (typeof ErrorEvent !== 'undefined' && error instanceof ErrorEvent) return error.message || 'an error without a message (see the browser console)';
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && code.startsWith('ERR_') ? `${error.message} [${code}]` : error.message;
  }
  return String(error);
}

/** Shows an error message (with what was being done) and returns it. */
export function showError(what: string, error: unknown): string {
  const text = `${what}: ${describeError(error)}`;
  shownErrors.push(text);
  const p = document.createElement('p');
  p.className = 'message error';
  p.textContent = text;
  const close = document.createElement('button');
  close.textContent = 'dismiss';
  close.style.marginLeft = '1em';
  close.onclick = () => p.remove();
  p.append(close);
  box().append(p);
  console.error(text, error);
  return text;
}

/** Shows a note (not an error). */
export function showInfo(text: string): void {
  const p = document.createElement('p');
  p.className = 'message info';
  p.textContent = text;
  box().append(p);
}

/** Removes every message. */
export function clearMessages(): void {
  box().replaceChildren();
}

/** Routes uncaught errors and rejections to {@link showError}. */
export function catchEverything(): void {
  window.addEventListener('error', (e) => showError('Unexpected error', e.error ?? e.message));
  window.addEventListener('unhandledrejection', (e) => showError('Unexpected error', e.reason));
}
