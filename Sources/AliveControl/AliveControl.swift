public enum AliveControl {}
