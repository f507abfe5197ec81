/**
 * The driver's feedback form, served as `/feedback.js` and loaded by the main page into its `<section id="feedback">`.
 * Its own script, so the main page's script (src/web/page.ts) stays as it is: it reads /api/status and
 * /api/sessions itself every few seconds and offers the form while the EV is plugged in and for two hours after the
 * session (the server decides; the form only hides itself once it is told no). Everything is built with
 * createElement/textContent: a comment with markup is shown back as text.
 */
export const feedbackFormScript = `'use strict';
(() => {
  const section = document.getElementById('feedback');
  if (!section) return;
  const sheet = document.createElement('link');
  sheet.rel = 'stylesheet';
  sheet.href = '/feedback.css';
  document.head.append(sheet);
  const WINDOW_MS = 2 * 3600 * 1000;
  const done = new Set(JSON.parse(sessionStorage.getItem('feedback-done') || '[]'));
  let shownFor = null;
  const el = (tag, props, ...children) => {
    const e = document.createElement(tag);
    Object.assign(e, props || {});
    for (const c of children) e.append(c);
    return e;
  };
  const choice = (name, value, label, type) => {
    const id = name + '-' + value;
    const input = el('input', { type: type || 'radio', name, value, id });
    return el('span', { className: 'choice' }, input, el('label', { htmlFor: id, textContent: label }));
  };

  function render(sessionId) {
    shownFor = sessionId;
    section.className = 'card';
    section.hidden = false;
    const rating = el('fieldset', {}, el('legend', { textContent: 'How was it? (1 poor – 5 great)' }), ...[1, 2, 3, 4, 5].map((n) => choice('rating', String(n), String(n))));
    const outcome = el('fieldset', {}, el('legend', { textContent: 'Did you charge?' }),
      choice('outcome', 'charged', 'Charged as expected'),
      choice('outcome', 'charged-with-problem', 'Charged, with a problem'),
      choice('outcome', 'could-not-charge', 'Could not charge'));
    const problemSelect = el('select', { id: 'feedback-problem', name: 'problem' },
      el('option', { value: '', textContent: 'No problem' }),
      el('option', { value: 'connector', textContent: 'Connector or cable' }),
      el('option', { value: 'payment', textContent: 'Payment or card' }),
      el('option', { value: 'slow', textContent: 'Slow charging' }),
      el('option', { value: 'display', textContent: 'Station display' }),
      el('option', { value: 'other', textContent: 'Something else' }));
    const comment = el('textarea', { id: 'feedback-comment', name: 'comment', maxLength: 500, rows: 3 });
    const status = el('p', { id: 'feedback-status', className: 'muted', role: 'status' });
    const submit = el('button', { type: 'submit', textContent: 'Send feedback' });
    const form = el('form', { id: 'feedback-form' }, rating, outcome,
      el('p', {}, el('label', { htmlFor: 'feedback-problem', textContent: 'What went wrong? ' }), problemSelect),
      el('p', {}, el('label', { htmlFor: 'feedback-comment', textContent: 'Comment (optional, up to 500 characters)' }), el('br'), comment),
      submit, status);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const data = new FormData(form);
      if (!data.get('rating') || !data.get('outcome')) { status.textContent = 'Please pick a rating and whether you could charge.'; return; }
      const body = { rating: Number(data.get('rating')), outcome: String(data.get('outcome')) };
      if (data.get('problem')) body.problem = String(data.get('problem'));
      if (String(data.get('comment') || '').trim() !== '') body.comment = String(data.get('comment'));
      submit.disabled = true;
      fetch('/api/sessions/' + sessionId + '/feedback', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
        .then(async (response) => {
          const answer = await response.json().catch(() => ({}));
          if (response.ok) {
            done.add(sessionId);
            sessionStorage.setItem('feedback-done', JSON.stringify([...done]));
            thanks(body.comment);
          } else {
            submit.disabled = false;
            status.textContent = 'Not sent: ' + (answer.error || ('HTTP ' + response.status));
          }
        }, () => { submit.disabled = false; status.textContent = 'Not sent: the station did not answer. Try again.'; });
    });
    section.replaceChildren(el('h2', { textContent: 'Tell the operator how it went (session #' + sessionId + ')' }), form);
  }

  function thanks(comment) {
    const children = [el('h2', { textContent: 'Thank you for your feedback' })];
    if (comment) children.push(el('p', {}, 'Your comment: ', el('q', { id: 'feedback-echo', textContent: comment })));
    section.replaceChildren(...children);
  }

  function hide() {
    shownFor = null;
    section.hidden = true;
    section.replaceChildren();
  }

  async function candidate() {
    const status = await (await fetch('/api/status')).json();
    if (status.session) return status.session.id;
    const listed = await fetch('/api/sessions?limit=1');
    if (!listed.ok) return null;
    const newest = (await listed.json()).sessions[0];
    return newest && newest.stop && Date.now() - Date.parse(newest.stop) < WINDOW_MS ? newest.id : null;
  }

  async function tick() {
    try {
      const id = await candidate();
      if (id === null) { if (shownFor !== null && !done.has(shownFor)) hide(); }
      else if (id !== shownFor && !done.has(id)) render(id);
    } catch (err) {
      // The main page already says when the station does not answer.
    } finally {
      setTimeout(() => { void tick(); }, 3000);
    }
  }
  section.hidden = true;
  void tick();
})();
`;

/** The form's own styles, loaded by its script (the main page's stylesheet is not touched). */
export const feedbackFormStyle = `
#feedback fieldset { border: 1px solid #d0d7de; border-radius: .35rem; margin: 0 0 .75rem; padding: .5rem .75rem; }
#feedback legend { font-weight: 600; padding: 0 .25rem; }
#feedback .choice { display: inline-flex; align-items: center; gap: .25rem; margin: .25rem .75rem .25rem 0; min-height: 2.75rem; }
#feedback .choice input { width: 1.4rem; height: 1.4rem; margin: 0; }
#feedback select, #feedback textarea { font: inherit; width: 100%; box-sizing: border-box; padding: .4rem; }
#feedback button { font: inherit; padding: .6rem 1rem; min-height: 2.75rem; border-radius: .35rem; border: 0; background: #1565c0; color: #fff; }
#feedback button[disabled] { opacity: .6; }
#feedback-echo { overflow-wrap: anywhere; }
`;
