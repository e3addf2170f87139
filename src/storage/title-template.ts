/** Titles and subjects from a template: `{scanner} {date} {time} {job} {profile}`. Pure. */
import { formatDate } from './folder/filename-template.js';

/** What a title template may refer to. */
export interface TitleContext {
  scanner: string;
  job: string;
  profile?: string;
  createdAt: Date;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Fills the placeholders (local time; `{time}` as HH-MM-SS); unknown placeholders stay as written. */
export function renderTitle(template: string, ctx: TitleContext): string {
  const d = ctx.createdAt;
  const values: Record<string, string> = {
    scanner: ctx.scanner,
    job: ctx.job,
    profile: ctx.profile ?? '',
    date: formatDate(d),
    time: `${pad(d.getHours())}-${pad(d.getMinutes())}-${pad(d.getSeconds())}`,
  };
  return template.replace(/\{([a-z]+)\}/g, (match, name: string) => values[name] ?? match);
}
