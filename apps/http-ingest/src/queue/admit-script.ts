// The admit script (admit.lua) and how long it remembers a (producer, seq).
import { luaScript } from '../redis/lua-script.js';

/** admit.lua: see its header for KEYS, ARGV and the reply. */
export const ADMIT_LUA = luaScript(new URL('./admit.lua', import.meta.url));

/** How long a (producer, seq) is remembered: 15 minutes, above the contract's 10 (DUPLICATE_HORIZON_MS). */
export const SEEN_TTL_SECONDS = 15 * 60;
