/** MQTT topic filter matching (MQTT 3.1.1 §4.7), used to dispatch incoming messages locally. */

/** True when `topic` (a concrete topic name) matches `filter` (which may hold `+` and `#`). */
export function topicMatches(filter: string, topic: string): boolean {
  const filterLevels = filter.split('/');
  const topicLevels = topic.split('/');
  // §4.7.2: wildcards at the first level never match topics starting with `$` (e.g. $SYS).
  if (topic.startsWith('$') && (filterLevels[0] === '+' || filterLevels[0] === '#')) return false;
  for (let i = 0; i < filterLevels.length; i++) {
    const level = filterLevels[i];
    // `#` also matches the parent level itself: `a/#` matches `a`.
    if (level === '#') return true;
    if (i >= topicLevels.length) return false;
    if (level !== '+' && level !== topicLevels[i]) return false;
  }
  return filterLevels.length === topicLevels.length;
}

/** True when `filter` is a well-formed subscription filter (wildcards only as whole levels, `#` last). */
export function isValidFilter(filter: string): boolean {
  if (filter.length === 0 || filter.includes('\u0000')) return false;
  const levels = filter.split('/');
  return levels.every((level, i) => {
    if (level === '#') return i === levels.length - 1;
    if (level === '+') return true;
    return !level.includes('+') && !level.includes('#');
  });
}
