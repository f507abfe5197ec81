/**
 * The driver's feedback form, served as `/feedback.js` and loaded by the main page into its `<section id="feedback">`.
 * Its own script: it follows the status the main page's live stream delivers (the page dispatches each one as an
 * `evse-status` event on window, and keeps the newest in `window.evseLastStatus`), never polls, and asks for
 * /api/sessions only when the state changes. It offers the form while the EV is plugged in and for two hours after
 * the session (the server decides; the form only hides itself once it is told no). Everything is built with
 * createElement/textContent: a comment with markup is shown back as text.
 */

/**
 * The form's texts, English and German; the script picks the browser's language. (The main page's catalogue, when it
 * has one, can take these entries over as they are.)
 */
const english = {
  heading: 'Tell the operator how it went (session #{session})',
  ratingLegend: 'How was it? (1 poor – 5 great)',
  outcomeLegend: 'Did you charge?',
  outcomes: { charged: 'Charged as expected', 'charged-with-problem': 'Charged, with a problem', 'could-not-charge': 'Could not charge' },
  problemLabel: 'What went wrong? ',
  problems: { none: 'No problem', connector: 'Connector or cable', payment: 'Payment or card', slow: 'Slow charging', display: 'Station display', other: 'Something else' },
  commentLabel: 'Comment (optional, up to 500 characters)',
  send: 'Send feedback',
  incomplete: 'Please pick a rating and whether you could charge.',
  notSent: 'Not sent: ',
  noAnswer: 'Not sent: the station did not answer. Try again.',
  thanks: 'Thank you for your feedback',
  yourComment: 'Your comment: ',
};

export const feedbackFormTexts: Readonly<Record<'en' | 'de', typeof english>> = {
  en: english,
  de: {
    heading: 'Sagen Sie dem Betreiber, wie es war (Ladevorgang #{session})',
    ratingLegend: 'Wie war es? (1 schlecht – 5 sehr gut)',
    outcomeLegend: 'Konnten Sie laden?',
    outcomes: { charged: 'Wie erwartet geladen', 'charged-with-problem': 'Geladen, mit einem Problem', 'could-not-charge': 'Konnte nicht laden' },
    problemLabel: 'Was lief schief? ',
    problems: { none: 'Kein Problem', connector: 'Stecker oder Kabel', payment: 'Bezahlung oder Karte', slow: 'Langsames Laden', display: 'Anzeige der Station', other: 'Etwas anderes' },
    commentLabel: 'Kommentar (freiwillig, bis 500 Zeichen)',
    send: 'Feedback senden',
    incomplete: 'Bitte wählen Sie eine Bewertung und ob Sie laden konnten.',
    notSent: 'Nicht gesendet: ',
    noAnswer: 'Nicht gesendet: die Station antwortet nicht. Bitte erneut versuchen.',
    thanks: 'Danke für Ihr Feedback',
    yourComment: 'Ihr Kommentar: ',
  },
};

export const feedbackFormScript = `'use strict';
(() => {
  const section = document.getElementById('feedback');
  if (!section) return;
  // The form's texts in the browser's language (English unless German comes first): one entry per language above.
  const catalogue = ${JSON.stringify(feedbackFormTexts)};
  const language = (navigator.languages || [navigator.language || 'en']).map((l) => String(l).slice(0, 2).toLowerCase()).find((l) => l in catalogue) || 'en';
  const t = catalogue[language];
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
    const rating = el('fieldset', {}, el('legend', { textContent: t.ratingLegend }), ...[1, 2, 3, 4, 5].map((n) => choice('rating', String(n), String(n))));
    const outcome = el('fieldset', {}, el('legend', { textContent: t.outcomeLegend }),
      choice('outcome', 'charged', t.outcomes.charged),
      choice('outcome', 'charged-with-problem', t.outcomes['charged-with-problem']),
      choice('outcome', 'could-not-charge', t.outcomes['could-not-charge']));
    const problemSelect = el('select', { id: 'feedback-problem', name: 'problem' },
      el('option', { value: '', textContent: t.problems.none }),
      el('option', { value: 'connector', textContent: t.problems.connector }),
      el('option', { value: 'payment', textContent: t.problems.payment }),
      el('option', { value: 'slow', textContent: t.problems.slow }),
      el('option', { value: 'display', textContent: t.problems.display }),
      el('option', { value: 'other', textContent: t.problems.other }));
    const comment = el('textarea', { id: 'feedback-comment', name: 'comment', maxLength: 500, rows: 3 });
    const status = el('p', { id: 'feedback-status', className: 'muted', role: 'status' });
    const submit = el('button', { type: 'submit', textContent: t.send });
    const form = el('form', { id: 'feedback-form' }, rating, outcome,
      el('p', {}, el('label', { htmlFor: 'feedback-problem', textContent: t.problemLabel }), problemSelect),
      el('p', {}, el('label', { htmlFor: 'feedback-comment', textContent: t.commentLabel }), el('br'), comment),
      submit, status);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const data = new FormData(form);
      if (!data.get('rating') || !data.get('outcome')) { status.textContent = t.incomplete; return; }
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
            status.textContent = t.notSent + (answer.error || ('HTTP ' + response.status));
          }
        }, () => { submit.disabled = false; status.textContent = t.noAnswer; });
    });
    section.replaceChildren(el('h2', { textContent: t.heading.replace('{session}', String(sessionId)) }), form);
  }

  function thanks(comment) {
    const children = [el('h2', { textContent: t.thanks })];
    if (comment) children.push(el('p', {}, t.yourComment, el('q', { id: 'feedback-echo', textContent: comment })));
    section.replaceChildren(...children);
  }

  function hide() {
    shownFor = null;
    section.hidden = true;
    section.replaceChildren();
  }

  async function candidate(status) {
    if (status.session) return status.session.id;
    const listed = await fetch('/api/sessions?limit=1');
    if (!listed.ok) return null;
    const newest = (await listed.json()).sessions[0];
    return newest && newest.stop && Date.now() - Date.parse(newest.stop) < WINDOW_MS ? newest.id : null;
  }

  async function tick(status) {
    try {
      const id = await candidate(status);
      if (id === null) { if (shownFor !== null && !done.has(shownFor)) hide(); }
      else if (id !== shownFor && !done.has(id)) render(id);
    } catch (err) {
      // The main page already says when the station does not answer.
    }
  }
  // Only a change of state or session matters to the form: figures that move every second are not a reason to ask.
  let lastKey = null;
  function onStatus(status) {
    if (!status) return;
    const key = status.status + '|' + (status.session ? status.session.id + ':' + (status.session.stoppedAt || '') : '-');
    if (key === lastKey) return;
    lastKey = key;
    void tick(status);
  }
  section.hidden = true;
  window.addEventListener('evse-status', (event) => onStatus(event.detail));
  onStatus(window.evseLastStatus);
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
