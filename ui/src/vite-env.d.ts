// Vite's ambient types (CSS imports and the like).
/// <reference types="vite/client" />
