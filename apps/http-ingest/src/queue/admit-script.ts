// The admit script (admit.lua) and the repeat memory's horizon.
import { luaScript } from '../redis/lua-script.js';

/** admit.lua: see its header for KEYS, ARGV and the reply. */
export const ADMIT_LUA = luaScript(new URL('./admit.lua', import.meta.url));

/** admit.lua's KEYS before its ARGV. */
export const ADMIT_KEYS = 7;
