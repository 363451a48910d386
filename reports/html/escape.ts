/** Text for HTML element content and attribute values. */
export const escapeHtml = (text: string | number | undefined): string =>
  String(text ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
