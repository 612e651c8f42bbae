/*
 * plaid-sandbox Link page: the DOM. Text goes in through textContent only.
 */

export const $ = (id) => document.getElementById(id);

/** Shows the pane for a Plaid view name (SELECT_INSTITUTION, CREDENTIAL, LOADING, CONNECTED). */
export function showPane(view) {
  for (const pane of document.querySelectorAll('.view')) pane.hidden = pane.id !== 'view-' + view;
}

/** Lists the institutions whose name contains `query`; returns how many matched. */
export function renderInstitutions(institutions, query, onChoose) {
  const list = $('institutions');
  list.textContent = '';
  const q = query.trim().toLowerCase();
  const matches = institutions.filter((i) => i.name.toLowerCase().includes(q));
  for (const i of matches) {
    const button = document.createElement('button');
    button.type = 'button';
    const logo = document.createElement('span');
    logo.className = 'logo';
    logo.setAttribute('aria-hidden', 'true');
    logo.textContent = i.name.charAt(0);
    logo.style.backgroundColor = i.primary_color || '#333';
    const name = document.createElement('span');
    name.textContent = i.name;
    button.append(logo, name);
    button.addEventListener('click', () => onChoose({ name: i.name, institution_id: i.institution_id }));
    const item = document.createElement('li');
    item.append(button);
    list.append(item);
  }
  $('no-results').hidden = matches.length !== 0;
  return matches.length;
}

/** The sandbox sign-ins under the form, as the emulator lists them. */
export function renderHints(rows) {
  const list = $('hints');
  list.textContent = '';
  for (const row of rows) {
    const item = document.createElement('li');
    const user = document.createElement('code');
    user.textContent = row.username;
    const password = document.createElement('code');
    password.textContent = row.password;
    item.append(user, ' / ', password, ': ' + row.result);
    list.append(item);
  }
}

/** The sign-in error line (Plaid's display_message when it has one); null clears it. */
export function setError(error) {
  const line = $('error');
  line.hidden = !error;
  line.textContent = error ? error.display_message || error.error_message : '';
}

/** Hides Link and empties what the user typed. */
export function clearPage() {
  $('modal').hidden = true;
  for (const id of ['search', 'username', 'password']) $(id).value = '';
  setError(null);
}
