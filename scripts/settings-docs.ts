/** `npm run docs:settings`: writes README's settings table from the settings table (src/shared/settings). */
import fs from 'node:fs';
import { settingsMarkdown, withSettingsTable } from '../src/shared/settings/docs';

const file = new URL('../README.md', import.meta.url);
const before = fs.readFileSync(file, 'utf8');
const after = withSettingsTable(before, settingsMarkdown());
if (after !== before) fs.writeFileSync(file, after);
console.log(after === before ? 'README.md: the settings table is up to date' : 'README.md: settings table written');
