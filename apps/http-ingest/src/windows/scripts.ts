// The two Lua scripts that make windows in Redis exact: fold.lua counts a group at most once and
// never into a closed window; close.lua lets exactly one publisher take each window; publish.lua
// publishes a window merged from shards exactly once. Their KEYS,
// ARGV and replies are listed at the top of each file.
import { luaScript } from '../redis/lua-script.js';

export const FOLD_LUA = luaScript(new URL('./fold.lua', import.meta.url));
export const CLOSE_LUA = luaScript(new URL('./close.lua', import.meta.url));
export const PUBLISH_LUA = luaScript(new URL('./publish.lua', import.meta.url));
